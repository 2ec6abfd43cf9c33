using System.Numerics.Tensors;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.Extensions.AI;

namespace VectorEngine.Embeddings.Tests;

public sealed class GeneratorTests(GeneratorFixture fixture) : IClassFixture<GeneratorFixture>
{
    private static readonly string[] Samples =
    [
        "Senior Rust engineer, remote, Berlin",
        "Ingénieur logiciel à Montréal — équipe données",
        "",
        "😀🚀🔥",
        "   \n\t  ",
        "中文职位 北京",
        "A | B | C\nline two\r\nline three",
        "x",
    ];

    [Fact]
    public async Task Empty_whitespace_and_emoji_only_texts_get_unit_vectors_and_the_empty_ones_agree()
    {
        float[][] vectors = await fixture.Generator.EmbedManyAsync(["", "   \n\t ", "😀🚀🔥", "🔥"], CancellationToken.None);
        Assert.All(vectors, v => Assert.Equal(1f, TensorPrimitives.Norm(v), 4));

        // Nothing but white space is no text at all ([CLS] [SEP]); emoji are [UNK] word pieces, one per emoji.
        Assert.Equal(1f, TensorPrimitives.CosineSimilarity(vectors[0], vectors[1]), 5);
        Assert.True(TensorPrimitives.CosineSimilarity(vectors[0], vectors[2]) < 0.999f);
    }

    [Fact]
    public async Task Batch_size_and_order_change_no_vector()
    {
        string[] texts = Samples.Concat(JobsFixture.All.Take(24).Select(r => r.Text)).ToArray();
        using var oneByOne = new OnnxEmbeddingGenerator(new OnnxEmbeddingOptions { Threads = 2, BatchSize = 1, CacheCapacity = 0 });
        float[][] single = await oneByOne.EmbedManyAsync(texts, CancellationToken.None);

        Prop.ForAll(Gen.Shuffle(Enumerable.Range(0, texts.Length).ToArray()).ToArbitrary(), order =>
        {
            float[][] batched = fixture.Generator.EmbedManyAsync(order.Select(i => texts[i]).ToArray(), CancellationToken.None).GetAwaiter().GetResult();
            for (int k = 0; k < order.Length; k++)
            {
                float cosine = TensorPrimitives.CosineSimilarity(batched[k], single[order[k]]);
                if (cosine < 0.99999f)
                {
                    return false.Label($"text {order[k]} at {k}: cosine {cosine}");
                }
            }

            return true.ToProperty();
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(4));
    }

    [Fact]
    public async Task The_cache_returns_the_same_vector_and_concurrent_requests_for_one_text_run_the_model_once()
    {
        using var cached = new OnnxEmbeddingGenerator(new OnnxEmbeddingOptions { Threads = 2, CacheCapacity = 100 });
        string text = "Staff data engineer | Lisbon | Spark, Kafka, dbt | hybrid " + Guid.NewGuid();
        float[][] concurrent = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => cached.EmbedAsync(text))));
        Assert.Equal(1, cached.TextsEmbedded);
        Assert.All(concurrent, v => Assert.Equal(concurrent[0], v));

        // A hit runs nothing and gives the same vector as the uncached generator; duplicates in one call run once.
        float[] again = await cached.EmbedAsync(text);
        float[][] twice = await cached.EmbedManyAsync(["other", "other", text], CancellationToken.None);
        Assert.Equal(2, cached.TextsEmbedded);
        Assert.Equal(concurrent[0], again);
        Assert.Equal(twice[0], twice[1]);
        float[] uncached = await fixture.Generator.EmbedAsync(text);
        Assert.True(TensorPrimitives.CosineSimilarity(again, uncached) >= 0.99999f);

        // Callers get copies: changing one does not change what the cache hands out next.
        again[0] += 1;
        Assert.Equal(concurrent[0], await cached.EmbedAsync(text));
    }

    [Fact]
    public async Task A_text_past_the_models_limit_embeds_as_its_first_254_word_pieces()
    {
        string words = string.Join(' ', Enumerable.Range(0, 600).Select(i => "word" + (i % 50)));
        var tokenizer = new WordPieceEncoder(SentenceModel.MiniLM.Vocabulary, lowerCase: true, maxTokens: 256);
        int[] ids = tokenizer.Encode(words);
        Assert.Equal(256, ids.Length);
        Assert.Equal(tokenizer.SepId, ids[^1]);

        // "word12" is two word pieces (word, ##12): cutting inside a word must match the model's own truncation.
        float[][] vectors = await fixture.Generator.EmbedManyAsync([words, words + " and a tail the model never sees"], CancellationToken.None);
        Assert.Equal(vectors[0], vectors[1]);
    }

    [Fact]
    public async Task It_speaks_IEmbeddingGenerator_and_refuses_bad_input_with_typed_errors()
    {
        IEmbeddingGenerator<string, Embedding<float>> generator = fixture.Generator;
        GeneratedEmbeddings<Embedding<float>> result = await generator.GenerateAsync(["backend engineer", "chef de cuisine"]);
        Assert.Equal(2, result.Count);
        Assert.All(result, e => Assert.Equal(384, e.Vector.Length));
        Assert.Equal("all-MiniLM-L6-v2", result[0].ModelId);
        EmbeddingGeneratorMetadata metadata = generator.GetService<EmbeddingGeneratorMetadata>()!;
        Assert.Equal(384, metadata.DefaultModelDimensions);
        Assert.Equal("CPU", fixture.Generator.ExecutionProvider);

        await Assert.ThrowsAsync<ArgumentNullException>(() => generator.GenerateAsync(["ok", null!]));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => generator.GenerateAsync(["ok"], new EmbeddingGenerationOptions { Dimensions = 768 }));
        await Assert.ThrowsAsync<ArgumentException>(() => generator.GenerateAsync(["ok"], new EmbeddingGenerationOptions { ModelId = "bge-small-en" }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new OnnxEmbeddingGenerator(new OnnxEmbeddingOptions { BatchSize = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new OnnxEmbeddingGenerator(new OnnxEmbeddingOptions { Threads = -1 }));
        Assert.Throws<ArgumentException>(() => SentenceModel.FromStreams("broken", new MemoryStream([1, 2, 3]), new MemoryStream(SentenceModel.MiniLM.Vocabulary)) is var m
            ? new OnnxEmbeddingGenerator(new OnnxEmbeddingOptions { Model = m })
            : null);
    }

    [Fact]
    public async Task A_model_brought_from_files_embeds_like_the_packaged_one()
    {
        string folder = Directory.CreateTempSubdirectory("ve-model-").FullName;
        try
        {
            await File.WriteAllBytesAsync(Path.Combine(folder, "model.onnx"), SentenceModel.MiniLM.Onnx);
            await File.WriteAllBytesAsync(Path.Combine(folder, "vocab.txt"), SentenceModel.MiniLM.Vocabulary);
            using var fromFiles = new OnnxEmbeddingGenerator(new OnnxEmbeddingOptions
            {
                Model = SentenceModel.FromFiles(Path.Combine(folder, "model.onnx"), Path.Combine(folder, "vocab.txt"), maxTokens: 256),
                Threads = 1,
            });
            Assert.Equal("model", fromFiles.ModelId);
            Assert.Equal(await fixture.Generator.EmbedAsync(Samples[1]), await fromFiles.EmbedAsync(Samples[1]));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
