using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using PureHDF;
using VectorEngine.Bench.Datasets;
using VectorEngine.Tests.TestKit;

namespace VectorEngine.Bench.Tests;

/// <summary>The dataset formats bench reads give the same rows, metric and ground truth, and refuse what they cannot read.</summary>
public sealed class DatasetReaderTests
{
    private static readonly float[][] Base = Data.RandomVectors(seed: 3, count: 7, dim: 5);
    private static readonly float[][] Queries = Data.RandomVectors(seed: 4, count: 3, dim: 5);
    private static readonly int[][] Truth = [[1, 2, 3], [4, 5, 6], [0, 6, 2]];

    [Theory]
    [InlineData("fvecs")]
    [InlineData("fvecs.gz")]
    [InlineData("npy")]
    [InlineData("npy.gz")]
    public void A_folder_reads_the_same_rows_in_every_vector_format(string format)
    {
        using TempDirectory dir = Data.TempDir();
        bool npy = format.StartsWith("npy", StringComparison.Ordinal);
        string gz = format.EndsWith(".gz", StringComparison.Ordinal) ? ".gz" : string.Empty;
        Write(Path.Combine(dir.Path, $"base.{format}"), npy ? Npy("<f4", Base, (w, v) => w.Write(v)) : Vecs(Base, (w, v) => w.Write(v)));
        Write(Path.Combine(dir.Path, $"query.{format}"), npy ? Npy("<f8", Queries, (w, v) => w.Write((double)v)) : Vecs(Queries, (w, v) => w.Write(v)));
        Write(Path.Combine(dir.Path, "truth" + (npy ? ".npy" : ".ivecs") + gz), npy ? Npy("<i8", Truth, (w, v) => w.Write((long)v)) : Vecs(Truth, (w, v) => w.Write(v)));
        File.WriteAllText(Path.Combine(dir.Path, "dataset.json"),
            $$"""{ "name": "tiny", "metric": "angular", "base": "base.{{format}}", "query": "query.{{format}}", "groundtruth": "truth{{(npy ? ".npy" : ".ivecs") + gz}}" }""");

        Dataset data = Dataset.Load(dir.Path, maxQueries: 2);

        Assert.Equal("tiny", data.Name);
        Assert.Equal(DistanceMetric.Cosine, data.Metric);
        Assert.Equal(Base, data.Base);
        Assert.Equal(Queries[..2].Select(q => q.Select(v => (float)(double)v).ToArray()), data.Queries);
        Assert.Equal(Truth[..2], data.GroundTruth!);
    }

    [Fact]
    public void Bvecs_and_uint8_npy_read_bytes_as_floats()
    {
        using TempDirectory dir = Data.TempDir();
        int[][] bytes = [[0, 1, 255], [7, 128, 3]];
        Write(Path.Combine(dir.Path, "a.bvecs"), Vecs(bytes, (w, v) => w.Write((byte)v)));
        Write(Path.Combine(dir.Path, "a.npy"), Npy("|u1", bytes, (w, v) => w.Write((byte)v)));

        float[][] expected = bytes.Select(r => r.Select(v => (float)v).ToArray()).ToArray();
        Assert.Equal(expected, VectorFile.ReadVectors(Path.Combine(dir.Path, "a.bvecs")));
        Assert.Equal(expected, VectorFile.ReadVectors(Path.Combine(dir.Path, "a.npy")));
    }

    [Fact]
    public void An_ann_benchmarks_hdf5_file_reads_train_test_neighbors_and_its_distance()
    {
        using TempDirectory dir = Data.TempDir();
        string path = Path.Combine(dir.Path, "tiny-angular.hdf5");
        var file = new H5File
        {
            ["train"] = ToMatrix(Base),
            ["test"] = ToMatrix(Queries),
            ["neighbors"] = ToMatrix(Truth),
            ["distances"] = new float[3, 3],
        };
        file.Attributes["distance"] = "angular";
        file.Write(path);

        Dataset data = Dataset.Load(path);

        Assert.Equal("tiny-angular", data.Name);
        Assert.Equal(DistanceMetric.Cosine, data.Metric);
        Assert.Equal(Base, data.Base);
        Assert.Equal(Queries, data.Queries);
        Assert.Equal(Truth, data.GroundTruth!);
    }

    [Fact]
    public void Files_that_cannot_be_read_are_refused_with_the_reason()
    {
        using TempDirectory dir = Data.TempDir();
        string notNpy = Path.Combine(dir.Path, "bad.npy");
        File.WriteAllBytes(notNpy, Encoding.ASCII.GetBytes("not numpy at all"));
        Assert.Contains("magic", Assert.Throws<InvalidDataException>(() => VectorFile.ReadVectors(notNpy)).Message);

        string threeD = Path.Combine(dir.Path, "3d.npy");
        File.WriteAllBytes(threeD, NpyHeader("<f4", "(2, 2, 2,)"));
        Assert.Contains("2-D", Assert.Throws<InvalidDataException>(() => VectorFile.ReadVectors(threeD)).Message);

        string complex = Path.Combine(dir.Path, "c.npy");
        File.WriteAllBytes(complex, NpyHeader("<c8", "(1, 1)"));
        Assert.Contains("'<c8'", Assert.Throws<InvalidDataException>(() => VectorFile.ReadVectors(complex)).Message);

        string csv = Path.Combine(dir.Path, "a.csv");
        File.WriteAllText(csv, "1,2");
        Assert.Throws<InvalidDataException>(() => VectorFile.ReadVectors(csv));

        Assert.Throws<FileNotFoundException>(() => Dataset.Load(dir.Path));
    }

    private static T[,] ToMatrix<T>(T[][] rows)
    {
        var m = new T[rows.Length, rows[0].Length];
        for (int r = 0; r < rows.Length; r++)
        {
            for (int c = 0; c < rows[0].Length; c++)
            {
                m[r, c] = rows[r][c];
            }
        }

        return m;
    }

    private static void Write(string path, byte[] bytes)
    {
        if (path.EndsWith(".gz", StringComparison.Ordinal))
        {
            using var gz = new GZipStream(File.Create(path), CompressionLevel.Fastest);
            gz.Write(bytes);
        }
        else
        {
            File.WriteAllBytes(path, bytes);
        }
    }

    /// <summary>TEXMEX layout: per row an int32 dimension, then the values.</summary>
    private static byte[] Vecs<T>(T[][] rows, Action<BinaryWriter, T> write)
    {
        using var stream = new MemoryStream();
        using var writer = new BinaryWriter(stream);
        foreach (T[] row in rows)
        {
            writer.Write(row.Length);
            foreach (T v in row)
            {
                write(writer, v);
            }
        }

        writer.Flush();
        return stream.ToArray();
    }

    /// <summary>A version-1 .npy file as NumPy writes it: magic, header length, a dict padded to 64 bytes, the data.</summary>
    private static byte[] Npy<T>(string descr, T[][] rows, Action<BinaryWriter, T> write)
    {
        using var stream = new MemoryStream();
        stream.Write(NpyHeader(descr, $"({rows.Length}, {rows[0].Length})"));
        using var writer = new BinaryWriter(stream);
        foreach (T v in rows.SelectMany(r => r))
        {
            write(writer, v);
        }

        writer.Flush();
        return stream.ToArray();
    }

    private static byte[] NpyHeader(string descr, string shape)
    {
        string dict = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}";
        int total = 10 + dict.Length + 1;
        dict = dict.PadRight(dict.Length + ((64 - (total % 64)) % 64)) + "\n";
        var header = new byte[10 + dict.Length];
        header[0] = 0x93;
        "NUMPY"u8.CopyTo(header.AsSpan(1));
        header[6] = 1;
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(8), (ushort)dict.Length);
        Encoding.ASCII.GetBytes(dict).CopyTo(header, 10);
        return header;
    }
}
