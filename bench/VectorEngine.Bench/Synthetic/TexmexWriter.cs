using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace VectorEngine.Bench.Synthetic;

/// <summary>Writes the TEXMEX layout the other commands read: .fvecs / .ivecs rows (an int32 length, then the values) and dataset.json.</summary>
internal sealed class TexmexWriter : IDisposable
{
    private readonly Stream _stream;
    private readonly byte[] _header = new byte[4];

    public TexmexWriter(string path) => _stream = new BufferedStream(File.Create(path), 1 << 20);

    public void Write(ReadOnlySpan<float> row) => Write(MemoryMarshal.AsBytes(row), row.Length);

    public void Write(ReadOnlySpan<int> row) => Write(MemoryMarshal.AsBytes(row), row.Length);

    public void Dispose() => _stream.Dispose();

    /// <summary>dataset.json in the ../shared/data layout, with how the data was made.</summary>
    public static void WriteManifest(string folder, SyntheticData data, int queries, int k, bool hasBase)
    {
        var manifest = new Dictionary<string, object>
        {
            ["name"] = $"synthetic-{data.Kind.ToString().ToLowerInvariant()}-{data.Count}x{data.Dimension}-s{data.Seed}",
            ["metric"] = data.MetricName,
            ["dim"] = data.Dimension,
            ["base_count"] = data.Count,
            ["query_count"] = queries,
            ["query"] = "query.fvecs",
            ["groundtruth"] = "groundtruth.ivecs",
            ["groundtruth_k"] = k,
            ["generator"] = new Dictionary<string, object> { ["kind"] = data.Kind.ToString(), ["seed"] = data.Seed, ["n"] = data.Count, ["dim"] = data.Dimension },
        };
        if (hasBase)
        {
            manifest["base"] = "base.fvecs";
        }

        File.WriteAllText(Path.Combine(folder, "dataset.json"), JsonSerializer.Serialize(manifest, new JsonSerializerOptions { WriteIndented = true }));
    }

    private void Write(ReadOnlySpan<byte> bytes, int length)
    {
        BinaryPrimitives.WriteInt32LittleEndian(_header, length);
        _stream.Write(_header);
        _stream.Write(bytes);
    }
}
