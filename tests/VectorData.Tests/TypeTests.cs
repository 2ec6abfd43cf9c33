using Microsoft.Extensions.VectorData;

namespace VectorEngine.VectorData.Tests;

/// <summary>Key types and data property types: each value stored, read back as its own type, and found by an equality filter, typed and dynamic.</summary>
public abstract class TypeTests(StoreTarget target) : TargetTests(target)
{
    [Fact]
    public Task Ulong_keys() => KeyRoundTrip(ulong.MaxValue);

    [Fact]
    public Task Guid_keys() => KeyRoundTrip(new Guid("603840bf-cf91-4521-8b8e-8b6a2e75910a"));

    [Fact]
    public Task String_keys() => KeyRoundTrip("job/ä-42");

    private async Task KeyRoundTrip<TKey>(TKey key)
        where TKey : notnull
    {
        var collection = Target.Store().GetCollection<TKey, Keyed<TKey>>(Target.NewName("keys"), Keyed<TKey>.Definition);
        await collection.EnsureCollectionExistsAsync();
        await collection.UpsertAsync(new Keyed<TKey> { Key = key, Int = 8, Vector = new([1, 2, 3]) });
        Keyed<TKey>? found = await collection.GetAsync(key);
        Assert.NotNull(found);
        Assert.Equal(key, found.Key);
        Assert.Equal(8, found.Int);
        Assert.Equal(key, (await collection.SearchAsync(new ReadOnlyMemory<float>([1, 2, 3]), 1).SingleAsync()).Record.Key);
    }

    [Fact]
    public async Task Empty_guid_keys_are_generated_and_written_back_to_the_record()
    {
        var collection = Target.Store().GetCollection<Guid, Keyed<Guid>>(Target.NewName("auto"), Keyed<Guid>.Definition);
        await collection.EnsureCollectionExistsAsync();
        var first = new Keyed<Guid> { Int = 1, Vector = new([1, 0, 0]) };
        var second = new Keyed<Guid> { Int = 2, Vector = new([0, 1, 0]) };
        await collection.UpsertAsync([first, second]);
        Assert.NotEqual(Guid.Empty, first.Key);
        Assert.NotEqual(first.Key, second.Key);
        Assert.Equal(2, (await collection.GetAsync(second.Key))!.Int);
    }

    [Fact]
    public async Task Unsupported_key_and_property_types_are_refused_when_the_collection_is_made()
    {
        VectorEngineVectorStore store = Target.Store();
        Assert.Throws<NotSupportedException>(() => store.GetCollection<int, Keyed<int>>("int-keys", Keyed<int>.Definition));
        Assert.Throws<NotSupportedException>(() => store.GetCollection<ulong, WithDecimal>("decimal"));
        Assert.Throws<NotSupportedException>(() => store.GetCollection<ulong, Dictionary<string, object?>>("dictionary"));
        Assert.ThrowsAny<Exception>(() => store.GetCollection<ulong, TwoVectors>("two-vectors"));
    }

    [Fact]
    public Task Byte_values() => Values<byte>("Byte", 8, 9);

    [Fact]
    public Task Short_values() => Values<short>("Short", 8, 9);

    [Fact]
    public Task Int_values() => Values("Int", 8, 9);

    [Fact]
    public Task Long_values() => Values("Long", long.MaxValue, 9L);

    [Fact]
    public Task Float_values() => Values("Float", 8.5f, 9.5f);

    [Fact]
    public Task Double_values() => Values("Double", 8.5d, 9.5d);

    [Fact]
    public Task String_values() => Values("String", "foo", "bar");

    [Fact]
    public Task Bool_values() => Values("Bool", true, false);

    [Fact]
    public Task Guid_values() => Values("Guid", new Guid("603840bf-cf91-4521-8b8e-8b6a2e75910a"), new Guid("e9a97807-8cf0-4741-8ce3-82df676ca0f0"));

    [Fact]
    public Task DateTime_values() => Values("DateTime", new DateTime(2020, 1, 1, 12, 30, 45, DateTimeKind.Utc), new DateTime(2021, 2, 3, 13, 40, 55, DateTimeKind.Utc));

    [Fact]
    public Task DateTimeOffset_values() => Values("DateTimeOffset",
        new DateTimeOffset(2020, 1, 1, 12, 30, 45, TimeSpan.FromHours(2)), new DateTimeOffset(2021, 2, 3, 13, 40, 55, TimeSpan.FromHours(3)));

    [Fact]
    public Task DateOnly_values() => Values("DateOnly", new DateOnly(2020, 1, 1), new DateOnly(2021, 2, 3));

    [Fact]
    public Task TimeOnly_values() => Values("TimeOnly", new TimeOnly(12, 30, 45), new TimeOnly(13, 40, 55));

    [Fact]
    public Task Nullable_int_values() => Values<int?>("NullableInt", 8, 9);

    [Fact]
    public Task String_array_values() => Values<string[]>("StringArray", ["foo", "bar"], ["foo", "baz"], filterable: false);

    [Fact]
    public Task Long_list_values() => Values<List<long>>("LongList", [1, 2], [3], filterable: false);

    private async Task Values<T>(string property, T main, T other, bool filterable = true)
    {
        var collection = Target.Store().GetCollection<ulong, AllTypes>(Target.NewName("types"));
        await collection.EnsureCollectionExistsAsync();
        System.Reflection.PropertyInfo info = typeof(AllTypes).GetProperty(property)!;
        var records = new List<AllTypes> { new() { Key = 1 }, new() { Key = 2 } };
        info.SetValue(records[0], main);
        info.SetValue(records[1], other);
        if (default(T) is null)
        {
            records.Add(new AllTypes { Key = 3 });
            info.SetValue(records[2], null);
        }

        await collection.UpsertAsync(records);
        Assert.Equal(main, (T)info.GetValue(await collection.GetAsync(1UL))!);
        if (filterable)
        {
            var r = System.Linq.Expressions.Expression.Parameter(typeof(AllTypes), "r");
            var equal = System.Linq.Expressions.Expression.Lambda<Func<AllTypes, bool>>(
                System.Linq.Expressions.Expression.Equal(System.Linq.Expressions.Expression.Property(r, info), System.Linq.Expressions.Expression.Constant(main, typeof(T))), r);
            Assert.Equal(1UL, (await collection.SearchAsync(new ReadOnlyMemory<float>([1, 1, 1]), 10, new() { Filter = equal }).SingleAsync()).Record.Key);
            if (default(T) is null)
            {
                var isNull = System.Linq.Expressions.Expression.Lambda<Func<AllTypes, bool>>(
                    System.Linq.Expressions.Expression.Equal(System.Linq.Expressions.Expression.Property(r, info), System.Linq.Expressions.Expression.Constant(null, typeof(T))), r);
                Assert.Equal(3UL, (await collection.GetAsync(isNull, 10).SingleAsync()).Key);
            }
        }

        // The same values through a dynamic collection over the same schema.
        VectorEngineDynamicCollection dynamic = Target.Store().GetDynamicCollection(collection.Name, AllTypes.Definition);
        Dictionary<string, object?> row = (await dynamic.GetAsync((object)1UL))!;
        Assert.Equal(main, (T)row[property]!);
        await dynamic.UpsertAsync(new Dictionary<string, object?> { ["Key"] = 4UL, [property] = other, ["Vector"] = new ReadOnlyMemory<float>([1, 1, 1]) });
        Assert.Equal(other, (T)info.GetValue(await collection.GetAsync(4UL))!);
    }

    public sealed class Keyed<TKey>
    {
        public static VectorStoreCollectionDefinition Definition { get; } = new()
        {
            Properties =
            [
                new VectorStoreKeyProperty("Key", typeof(TKey)),
                new VectorStoreDataProperty("Int", typeof(int)),
                new VectorStoreVectorProperty("Vector", typeof(ReadOnlyMemory<float>), 3),
            ],
        };

        public TKey Key { get; set; } = default!;

        public int Int { get; set; }

        public ReadOnlyMemory<float> Vector { get; set; }
    }

    public sealed class WithDecimal
    {
        [VectorStoreKey]
        public ulong Key { get; set; }

        [VectorStoreData]
        public decimal Price { get; set; }

        [VectorStoreVector(3)]
        public ReadOnlyMemory<float> Vector { get; set; }
    }

    public sealed class TwoVectors
    {
        [VectorStoreKey]
        public ulong Key { get; set; }

        [VectorStoreVector(3)]
        public ReadOnlyMemory<float> First { get; set; }

        [VectorStoreVector(3)]
        public ReadOnlyMemory<float> Second { get; set; }
    }

    public sealed class AllTypes
    {
        public static VectorStoreCollectionDefinition Definition { get; } = new()
        {
            Properties = [.. typeof(AllTypes).GetProperties(System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.Public).Where(p => p.Name is not ("Key" or "Vector")).Select(p => (VectorStoreProperty)new VectorStoreDataProperty(p.Name, p.PropertyType))
                .Prepend(new VectorStoreKeyProperty("Key", typeof(ulong))).Append(new VectorStoreVectorProperty("Vector", typeof(ReadOnlyMemory<float>), 3))],
        };

        [VectorStoreKey]
        public ulong Key { get; set; }

        [VectorStoreData] public byte Byte { get; set; }
        [VectorStoreData] public short Short { get; set; }
        [VectorStoreData] public int Int { get; set; }
        [VectorStoreData] public long Long { get; set; }
        [VectorStoreData] public float Float { get; set; }
        [VectorStoreData] public double Double { get; set; }
        [VectorStoreData] public string? String { get; set; }
        [VectorStoreData] public bool Bool { get; set; }
        [VectorStoreData] public Guid Guid { get; set; }
        [VectorStoreData] public DateTime DateTime { get; set; }
        [VectorStoreData] public DateTimeOffset DateTimeOffset { get; set; }
        [VectorStoreData] public DateOnly DateOnly { get; set; }
        [VectorStoreData] public TimeOnly TimeOnly { get; set; }
        [VectorStoreData] public int? NullableInt { get; set; }
        [VectorStoreData] public string[]? StringArray { get; set; }
        [VectorStoreData] public List<long>? LongList { get; set; }

        [VectorStoreVector(3)]
        public ReadOnlyMemory<float> Vector { get; set; } = new([1, 1, 1]);
    }
}

public sealed class EmbeddedTypeTests(EmbeddedTarget target) : TypeTests(target), IClassFixture<EmbeddedTarget>;

public sealed class ServerTypeTests(ServerTarget target) : TypeTests(target), IClassFixture<ServerTarget>;
