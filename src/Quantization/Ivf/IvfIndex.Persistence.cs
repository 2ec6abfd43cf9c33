using System.Runtime.InteropServices;
using VectorEngine.Indexing;
using VectorEngine.Quantization.Product;
using VectorEngine.Quantization.Scalar;
using VectorEngine.Quantization.Persistence;
using VectorEngine.Storage;

namespace VectorEngine.Quantization.Ivf;

/// <summary>
/// The index file "ivf.index" in the segment folder: header, the training parameters it was built with, centroids,
/// PQ codebooks, then each list's offsets, codes and terms (a <see cref="ChecksummedFile"/>). IVF-SQ8's codes are
/// the int8 quantizer's own file. A missing, damaged or differently trained file reads as absent (the engine rebuilds).
/// </summary>
public sealed partial class IvfIndex
{
    /// <summary>The file in the segment folder.</summary>
    public const string FileName = "ivf.index";

    private const uint Version = 1;
    private static ReadOnlySpan<byte> Magic => "VEIVFX01"u8;

    /// <inheritdoc />
    public void Save(StorageFolder folder)
    {
        _int8?.Save(folder);
        ChecksummedFile.Write(folder, FileName, writer =>
        {
            writer.Write(Magic);
            writer.Write(Version);
            writer.Write(_store.Dimension);
            writer.Write((int)_store.Metric);
            writer.Write(NList);
            writer.Write(_pq?.SubQuantizers ?? 0);
            writer.Write(Count);
            writer.Write(TrainingKey(Parameters));
            writer.Write(MemoryMarshal.AsBytes(_centroids.AsSpan()));
            if (_pq is not null)
            {
                writer.Write(MemoryMarshal.AsBytes(_pq.Codebooks.AsSpan()));
            }

            foreach (InvertedList list in _lists)
            {
                int n = list.Count;
                writer.Write(n);
                writer.Write(MemoryMarshal.AsBytes(list.Offsets.AsSpan(0, n)));
                writer.Write(list.Codes.AsSpan(0, n * list.CodeBytes));
                writer.Write(MemoryMarshal.AsBytes(list.Terms.AsSpan(0, Math.Min(n, list.Terms.Length))));
            }
        });
    }

    /// <summary>Loads the index saved for <paramref name="store"/> with the same training parameters; null when there is none.</summary>
    /// <param name="store">The vectors the index was built over.</param>
    /// <param name="parameters">The index parameters (search-time ones may differ from the saved index's).</param>
    /// <param name="folder">The segment folder.</param>
    public static IvfIndex? Load(IVectorStore store, IvfParameters parameters, StorageFolder folder)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(parameters);
        return ChecksummedFile.Read(folder, FileName, reader => Read(store, parameters, folder, reader));
    }

    private static IvfIndex? Read(IVectorStore store, IvfParameters parameters, StorageFolder folder, BinaryReader reader)
    {
        int dim = store.Dimension;
        if (!reader.ReadBytes(Magic.Length).AsSpan().SequenceEqual(Magic) || reader.ReadUInt32() != Version
            || reader.ReadInt32() != dim || reader.ReadInt32() != (int)store.Metric)
        {
            return null;
        }

        int nlist = reader.ReadInt32(), m = reader.ReadInt32(), count = reader.ReadInt32();
        int expectedM = parameters.Encoding == IvfEncoding.Pq ? parameters.Pq.SubQuantizersFor(dim) : 0;
        if (reader.ReadString() != TrainingKey(parameters) || m != expectedM || count != store.Count || nlist != parameters.NListFor(count))
        {
            return null;
        }

        float[] centroids = ReadFloats(reader, nlist * dim);
        ProductQuantizer? pq = m > 0 ? new ProductQuantizer(dim, m, ReadFloats(reader, m * ProductQuantizer.Centroids * (dim / m))) : null;
        bool terms = pq is not null && store.Metric == DistanceMetric.L2;
        var lists = new InvertedList[nlist];
        long filed = 0;
        for (int l = 0; l < nlist; l++)
        {
            int n = reader.ReadInt32();
            if (n < 0 || n > count)
            {
                return null;
            }

            var list = new InvertedList(n, m, terms);
            reader.ReadExactly(MemoryMarshal.AsBytes(list.Offsets.AsSpan(0, n)));
            reader.ReadExactly(list.Codes.AsSpan(0, n * m));
            if (terms)
            {
                reader.ReadExactly(MemoryMarshal.AsBytes(list.Terms.AsSpan(0, n)));
            }

            list.Publish(n);
            lists[l] = list;
            filed += n;
        }

        if (filed != count)
        {
            return null;
        }

        Int8Codes? int8 = null;
        if (parameters.Encoding == IvfEncoding.Sq8)
        {
            // The lists hold offsets only, so damaged int8 codes are retrained without touching them.
            int8 = Int8Codes.TryLoad(store, parameters.Sq8, folder);
            if (int8 is null)
            {
                int8 = Int8Codes.Train(store, parameters.Sq8);
                int8.Save(folder);
            }
        }

        return new IvfIndex(store, parameters, centroids, nlist, pq, int8, lists, count);
    }

    /// <summary>The parameters that shape the trained index (not the search-time ones), as one comparable string.</summary>
    private static string TrainingKey(IvfParameters parameters)
    {
        string[] searchTime = ["nprobe", "oversampling", "rescore", "build_threads"];
        return string.Join(';', parameters.ToDictionary()
            .Where(pair => !searchTime.Contains(pair.Key))
            .OrderBy(pair => pair.Key, StringComparer.Ordinal)
            .Select(pair => $"{pair.Key}={pair.Value}"));
    }

    private static float[] ReadFloats(BinaryReader reader, int count)
    {
        float[] values = new float[count];
        reader.ReadExactly(MemoryMarshal.AsBytes(values.AsSpan()));
        if (!values.All(float.IsFinite))
        {
            throw new InvalidDataException("Non-finite value in the IVF file.");
        }

        return values;
    }
}
