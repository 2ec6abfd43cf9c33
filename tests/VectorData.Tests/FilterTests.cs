using System.Linq.Expressions;
using Microsoft.Extensions.VectorData;

namespace VectorEngine.VectorData.Tests;

/// <summary>
/// LINQ filters translated to the engine's filters, each checked against the same predicate run by LINQ to objects
/// over the sample records: the conformance suite's filter list (equality, nulls, comparisons, logic, Contains, captured
/// values), typed and dynamic.
/// </summary>
public abstract class FilterTests(StoreTarget target) : TargetTests(target)
{
    // A captured static, as filters in applications capture them.
    private static readonly int StaticEight = 8;

    public static TheoryData<string> Names => new(TypedFilters().Keys);

    public static TheoryData<string> DynamicNames => new(DynamicFilters().Keys);

    private static Dictionary<string, Expression<Func<Item, bool>>> TypedFilters()
    {
        string? nullString = null;
        int? eight = 8;
        int? noInt = null;
        string[] captured = ["foo", "baz", "unknown"];
        string special = Item.Samples()[4].String!;
        var instance = new FilterTestsHolder();
        return new()
        {
            ["int =="] = r => r.Int == 8,
            ["string =="] = r => r.String == "foo",
            ["string with quotes and unicode =="] = r => r.String == special,
            ["== is not contains"] = r => r.String == "fo",
            ["== reversed"] = r => 8 == r.Int,
            ["== null"] = r => r.String == null,
            ["== captured null"] = r => r.String == nullString,
            ["== non-null nullable"] = r => r.Int == eight,
            ["== null nullable"] = r => r.Int == noInt,
            ["nullable property == null"] = r => r.NullableInt == null,
            ["nullable property > 8"] = r => r.NullableInt > 8,
            ["not (nullable property > 8)"] = r => !(r.NullableInt > 8),
            ["!= int"] = r => r.Int != 8,
            ["!= string"] = r => r.String != "foo",
            ["!= null"] = r => r.String != null,
            ["bool"] = r => r.Bool,
            ["bool && bool"] = r => r.Bool && r.Bool,
            ["bool || !bool"] = r => r.Bool || !r.Bool,
            [">"] = r => r.Int > 9,
            [">="] = r => r.Int >= 9,
            ["<"] = r => r.Int < 10,
            ["<="] = r => r.Int <= 10,
            ["< reversed"] = r => 9 < r.Int,
            ["double >"] = r => r.Double > 1.0,
            ["double =="] = r => r.Double == 2.5,
            ["date-time >"] = r => r.Created > new DateTime(2021, 6, 1, 0, 0, 0, DateTimeKind.Utc),
            ["date-time =="] = r => r.Created == new DateTime(2022, 3, 4, 5, 6, 7, DateTimeKind.Utc),
            ["storage name"] = r => r.Int2 == 100,
            ["and"] = r => r.Int == 9 && r.String == "foo",
            ["or"] = r => r.Int == 8 || r.String == "bar",
            ["and within and"] = r => (r.Int == 9 && r.String == "foo") && r.Int2 == 9,
            ["and within or"] = r => (r.Int == 8 && r.String == "foo") || r.Int2 == 100,
            ["or within and"] = r => (r.Int == 8 || r.Int == 9) && r.String == "foo",
            ["not =="] = r => !(r.Int == 8),
            ["not !="] = r => !(r.Int != 8),
            ["not and"] = r => !(r.Int == 9 && r.String == "foo"),
            ["not or"] = r => !(r.Int == 8 || r.String == "bar"),
            ["not bool"] = r => !r.Bool,
            ["not bool and comparison"] = r => !r.Bool && r.Int != int.MaxValue,
            ["list property contains (array)"] = r => r.Tags.Contains("x"),
            ["list property contains (List)"] = r => r.TagList.Contains("x"),
            ["Enumerable.Contains"] = r => Enumerable.Contains(r.Tags, "x"),
            ["MemoryExtensions.Contains"] = r => MemoryExtensions.Contains(r.Tags, "x"),
            ["inline int array contains"] = r => new[] { 8, 10 }.Contains(r.Int),
            ["inline string array contains"] = r => new[] { "foo", "baz", "un  , ' \"" }.Contains(r.String),
            ["captured array contains"] = r => captured.Contains(r.String),
            ["array with null contains"] = r => new[] { "bar", null }.Contains(r.String),
            ["empty array contains"] = r => Array.Empty<int>().Contains(r.Int),
            ["static field"] = r => r.Int == StaticEight,
            ["member field"] = r => r.Int == instance.Eight,
            ["true"] = r => true,
            ["false"] = r => false,
        };
    }

    private static Dictionary<string, (Expression<Func<Dictionary<string, object?>, bool>> Dynamic, Func<Item, bool> Typed)> DynamicFilters() => new()
    {
        ["int =="] = (r => (int)r["Int"]! == 8, r => r.Int == 8),
        ["string =="] = (r => (string?)r["String"] == "foo", r => r.String == "foo"),
        ["== null"] = (r => r["String"] == null, r => r.String == null),
        ["!="] = (r => (int)r["Int"]! != 8, r => r.Int != 8),
        ["bool"] = (r => (bool)r["Bool"]!, r => r.Bool),
        [">= and <"] = (r => (int)r["Int"]! >= 9 && (int)r["Int"]! < 11, r => r.Int >= 9 && r.Int < 11),
        ["or / not"] = (r => (int)r["Int"]! == 8 || !((string?)r["String"] == "foo"), r => r.Int == 8 || r.String != "foo"),
        ["storage name"] = (r => (int)r["Int2"]! == 100, r => r.Int2 == 100),
        ["list contains"] = (r => ((string[])r["Tags"]!).Contains("x"), r => r.Tags.Contains("x")),
        ["inline contains"] = (r => new[] { "foo", "bar" }.Contains((string?)r["String"]), r => r.String is "foo" or "bar"),
    };

    [Theory]
    [MemberData(nameof(Names))]
    public async Task Search_and_get_filters_match_linq_to_objects(string name)
    {
        Expression<Func<Item, bool>> filter = TypedFilters()[name];
        ulong[] expected = Item.Samples().Where(filter.Compile()).Select(r => r.Key).Order().ToArray();
        var items = await SharedItemsAsync();

        ulong[] searched = await items.SearchAsync(new ReadOnlyMemory<float>([1, 0, 0]), top: 100, new() { Filter = filter })
            .Select(r => r.Record.Key).OrderBy(k => k).ToArrayAsync();
        ulong[] got = await items.GetAsync(filter, top: 100).Select(r => r.Key).OrderBy(k => k).ToArrayAsync();

        Assert.Equal(expected, searched);
        Assert.Equal(expected, got);
    }

    [Theory]
    [MemberData(nameof(DynamicNames))]
    public async Task Dynamic_record_filters_match_their_typed_twins(string name)
    {
        (Expression<Func<Dictionary<string, object?>, bool>> filter, Func<Item, bool> typed) = DynamicFilters()[name];
        object[] expected = Item.Samples().Where(typed).Select(r => (object)r.Key).Order().ToArray();
        var items = await SharedItemsAsync();
        VectorEngineDynamicCollection dynamic = Target.Store().GetDynamicCollection(items.Name, DynamicItems.Definition);

        object[] searched = await dynamic.SearchAsync(new ReadOnlyMemory<float>([1, 0, 0]), top: 100, new() { Filter = filter })
            .Select(r => r.Record["Key"]!).OrderBy(k => k).ToArrayAsync();
        Assert.Equal(expected, searched);
    }

    [Fact]
    public async Task Unsupported_expressions_are_refused_by_name_before_anything_runs()
    {
        var items = await SharedItemsAsync();
        NotSupportedException startsWith = await Assert.ThrowsAsync<NotSupportedException>(() =>
            items.SearchAsync(new ReadOnlyMemory<float>([1, 0, 0]), 3, new() { Filter = r => r.String!.StartsWith("f") }).ToArrayAsync().AsTask());
        Assert.Contains("StartsWith", startsWith.Message);

        NotSupportedException arithmetic = await Assert.ThrowsAsync<NotSupportedException>(() =>
            items.GetAsync(r => r.Int + 1 == 9, 3).ToArrayAsync().AsTask());
        Assert.Contains("r.Int + 1", arithmetic.Message);

        string[] whole = ["x", "y"];
        await Assert.ThrowsAsync<NotSupportedException>(() => items.GetAsync(r => r.Tags == whole, 3).ToArrayAsync().AsTask());

        VectorEngineDynamicCollection dynamic = Target.Store().GetDynamicCollection(items.Name, DynamicItems.Definition);
        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            dynamic.GetAsync(r => r["String = \"x\"; DROP"] == (object)"", 3).ToArrayAsync().AsTask());
    }

    [Fact]
    public async Task Reading_an_empty_nullable_in_a_filter_is_an_InvalidOperationException()
    {
        var items = await SharedItemsAsync();
        int? none = null;
        Exception e = await Assert.ThrowsAnyAsync<Exception>(() => items.GetAsync(r => r.Int == none!.Value, 3).ToArrayAsync().AsTask());
        Assert.IsType<InvalidOperationException>(e);
    }

    private Task<VectorEngineCollection<ulong, Item>> SharedItemsAsync() => SampleItemsAsync("filters");

    private sealed class FilterTestsHolder
    {
        public int Eight { get; } = 8;
    }
}

/// <summary>The sample items' schema as a definition, for dynamic (dictionary) records.</summary>
internal static class DynamicItems
{
    public static VectorStoreCollectionDefinition Definition { get; } = new()
    {
        Properties =
        [
            new VectorStoreKeyProperty("Key", typeof(ulong)),
            new VectorStoreDataProperty("String", typeof(string)) { IsIndexed = true },
            new VectorStoreDataProperty("Int", typeof(int)) { IsIndexed = true },
            new VectorStoreDataProperty("Int2", typeof(int)) { StorageName = "int_2" },
            new VectorStoreDataProperty("Bool", typeof(bool)),
            new VectorStoreDataProperty("Double", typeof(double)),
            new VectorStoreDataProperty("Created", typeof(DateTime)),
            new VectorStoreDataProperty("Tags", typeof(string[])),
            new VectorStoreDataProperty("TagList", typeof(List<string>)),
            new VectorStoreDataProperty("NullableInt", typeof(int?)),
            new VectorStoreVectorProperty("Vector", typeof(ReadOnlyMemory<float>), 3) { DistanceFunction = DistanceFunction.EuclideanSquaredDistance },
        ],
    };
}

public sealed class EmbeddedFilterTests(EmbeddedTarget target) : FilterTests(target), IClassFixture<EmbeddedTarget>;

public sealed class ServerFilterTests(ServerTarget target) : FilterTests(target), IClassFixture<ServerTarget>;
