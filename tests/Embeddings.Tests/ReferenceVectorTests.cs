using System.Numerics.Tensors;

namespace VectorEngine.Embeddings.Tests;

public sealed class ReferenceVectorTests(GeneratorFixture fixture) : IClassFixture<GeneratorFixture>
{
    [Fact]
    public async Task Our_vectors_equal_the_datasets_for_200_texts_including_long_multi_line_and_non_ASCII_ones()
    {
        var rows = JobsFixture.All;
        float[][] ours = await fixture.Generator.EmbedManyAsync(rows.Select(r => r.Text).ToArray(), CancellationToken.None);
        var worst = rows.Select((r, i) => (r.Id, Cosine: TensorPrimitives.CosineSimilarity(ours[i], r.Vector)))
            .OrderBy(x => x.Cosine)
            .ToArray();
        Assert.True(worst[0].Cosine >= 0.9999f, $"text {worst[0].Id}: cosine {worst[0].Cosine:F6}; worst five: {string.Join(", ", worst.Take(5).Select(w => $"{w.Id}={w.Cosine:F6}"))}");
        Assert.All(ours, v => Assert.Equal(1f, TensorPrimitives.Norm(v), 4));
    }
}
