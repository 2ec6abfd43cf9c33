using FsCheck;
using FsCheck.Fluent;
using VectorEngine.Sharding.Routing;

namespace VectorEngine.Sharding.Tests;

/// <summary>Local shard collection names: they fit the engine's rules and read back to what they were made from.</summary>
public class ShardNamesTests
{
    [Fact]
    public void A_shard_name_reads_back_and_fits_the_engines_name_rules()
    {
        Gen<string> names =
            from length in Gen.Choose(1, ShardNames.MaxCollectionName)
            from chars in Gen.Elements("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-".ToCharArray()).ArrayOf(length)
            let name = "x" + new string(chars)[..(length - 1)]
            where !name.Contains("--", StringComparison.Ordinal) && !name.EndsWith('-')
            select name;
        Prop.ForAll(names.ToArbitrary(), Gen.Choose(0, int.MaxValue).Select(i => (long)i * 4096 + 7).ToArbitrary(), Gen.Choose(0, 1023).ToArbitrary(), (name, incarnation, shard) =>
        {
            string local = ShardNames.Local(name, incarnation, shard);
            CollectionOptions.ValidateName(local);
            bool parsed = ShardNames.TryParse(local, out string back, out long inc, out int s);
            return (parsed && back == name && inc == incarnation && s == shard).Label($"{local} -> {back}, {inc}, {s}");
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(300));
    }

    [Theory]
    [InlineData("docs")]
    [InlineData("my-docs")]
    [InlineData("a-s1")]
    [InlineData("a--")]
    [InlineData("a--x!-s1")]
    [InlineData("a--1-sx")]
    public void Names_that_are_no_shards_are_not_read_as_shards(string local) =>
        Assert.False(ShardNames.TryParse(local, out _, out _, out _));

    [Theory]
    [InlineData("has--dashes")]
    [InlineData("a23456789012345678901234567890123456789012")]
    [InlineData("bad name")]
    public void Cluster_collection_names_that_would_break_shard_names_are_refused(string name) =>
        Assert.Throws<VectorEngineArgumentException>(() => ShardNames.Validate(name));
}
