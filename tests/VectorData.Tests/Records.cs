using Microsoft.Extensions.VectorData;

namespace VectorEngine.VectorData.Tests;

/// <summary>A record described by attributes, with a property of every kind the filters meet.</summary>
public sealed class Item
{
    [VectorStoreKey]
    public ulong Key { get; set; }

    [VectorStoreData(IsIndexed = true)]
    public string? String { get; set; }

    [VectorStoreData(IsIndexed = true)]
    public int Int { get; set; }

    [VectorStoreData(StorageName = "int_2")]
    public int Int2 { get; set; }

    [VectorStoreData]
    public bool Bool { get; set; }

    [VectorStoreData]
    public double Double { get; set; }

    [VectorStoreData]
    public DateTime Created { get; set; }

    [VectorStoreData]
    public string[] Tags { get; set; } = [];

    [VectorStoreData]
    public List<string> TagList { get; set; } = [];

    [VectorStoreData]
    public int? NullableInt { get; set; }

    [VectorStoreVector(3, DistanceFunction = DistanceFunction.EuclideanSquaredDistance)]
    public ReadOnlyMemory<float> Vector { get; set; }

    public Item Copy() => (Item)MemberwiseClone();

    public static IReadOnlyList<Item> Samples() =>
    [
        new() { Key = 1, String = "foo", Int = 8, Int2 = 80, Bool = true, Double = 0.5, Created = At(2020), Tags = ["x", "y"], TagList = ["x"], NullableInt = 8, Vector = new([1, 0, 0]) },
        new() { Key = 2, String = "bar", Int = 9, Int2 = 90, Bool = false, Double = 1.5, Created = At(2021), Tags = ["a", "b"], TagList = ["a"], NullableInt = null, Vector = new([1, 1, 0]) },
        new() { Key = 3, String = "foo", Int = 9, Int2 = 9, Bool = true, Double = 2.5, Created = At(2022), Tags = ["x"], TagList = ["x", "z"], NullableInt = 9, Vector = new([1, 2, 0]) },
        new() { Key = 4, String = null, Int = 10, Int2 = 100, Bool = false, Double = -1, Created = At(2023), Tags = [], TagList = [], NullableInt = null, Vector = new([1, 3, 0]) },
        new() { Key = 5, String = "UnicodeString\u00e9\u4e2d 'quoted' \"x\"", Int = 11, Int2 = 100, Bool = true, Double = 3.25, Created = At(2024), Tags = ["y"], TagList = ["y"], NullableInt = 11, Vector = new([1, 4, 0]) },
    ];

    private static DateTime At(int year) => new(year, 3, 4, 5, 6, 7, DateTimeKind.Utc);
}

/// <summary>Compares records field by field (vectors only when asked).</summary>
internal static class Same
{
    public static void Item(Item expected, Item? actual, bool withVector)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.Key, actual.Key);
        Assert.Equal(expected.String, actual.String);
        Assert.Equal(expected.Int, actual.Int);
        Assert.Equal(expected.Int2, actual.Int2);
        Assert.Equal(expected.Bool, actual.Bool);
        Assert.Equal(expected.Double, actual.Double);
        Assert.Equal(expected.Created, actual.Created);
        Assert.Equal(expected.Tags, actual.Tags);
        Assert.Equal(expected.TagList, actual.TagList);
        Assert.Equal(expected.NullableInt, actual.NullableInt);
        if (withVector)
        {
            Assert.Equal(expected.Vector.ToArray(), actual.Vector.ToArray());
        }
        else
        {
            Assert.True(actual.Vector.IsEmpty);
        }
    }
}
