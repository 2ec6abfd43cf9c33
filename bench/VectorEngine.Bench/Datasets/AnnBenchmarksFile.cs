using PureHDF;
using PureHDF.VOL.Native;

namespace VectorEngine.Bench.Datasets;

/// <summary>
/// Reads an ann-benchmarks HDF5 file (fashion-mnist-784-euclidean.hdf5 and its kin): datasets train, test and
/// neighbors, and the distance in the file's "distance" attribute.
/// </summary>
internal static class AnnBenchmarksFile
{
    public static bool Handles(string path) =>
        File.Exists(path) && Path.GetExtension(path).ToLowerInvariant() is ".hdf5" or ".h5";

    public static Dataset Load(string path, int? maxQueries)
    {
        using NativeFile file = H5File.OpenRead(path);
        string distance = file.AttributeExists("distance") ? file.Attribute("distance").Read<string>() : "euclidean";
        return new Dataset
        {
            Name = Path.GetFileNameWithoutExtension(path),
            Metric = Dataset.MetricOf(distance, path),
            Base = Rows<float>(file, "train", path, null),
            Queries = Rows<float>(file, "test", path, maxQueries),
            GroundTruth = Rows<int>(file, "neighbors", path, maxQueries),
        };
    }

    /// <summary>A 2-D dataset as rows (float or int elements, whatever width the file stores).</summary>
    private static T[][] Rows<T>(NativeFile file, string name, string path, int? limit)
        where T : unmanaged
    {
        if (!file.LinkExists(name))
        {
            throw new InvalidDataException($"{path}: no '{name}' dataset (ann-benchmarks files hold train, test and neighbors).");
        }

        IH5Dataset dataset = file.Dataset(name);
        ulong[] dims = dataset.Space.Dimensions;
        if (dims.Length != 2)
        {
            throw new InvalidDataException($"{path}: '{name}' has {dims.Length} dimensions, expected 2.");
        }

        int rows = (int)Math.Min(dims[0], (ulong)(limit ?? int.MaxValue)), columns = (int)dims[1];
        T[,] values = ReadAs<T>(dataset);
        var result = new T[rows][];
        for (int r = 0; r < rows; r++)
        {
            var row = new T[columns];
            for (int c = 0; c < columns; c++)
            {
                row[c] = values[r, c];
            }

            result[r] = row;
        }

        return result;
    }

    /// <summary>Reads the whole array, converting double / long / byte storage to the requested element type.</summary>
    private static T[,] ReadAs<T>(IH5Dataset dataset)
        where T : unmanaged
    {
        int size = (int)dataset.Type.Size;
        return (dataset.Type.Class, size, typeof(T)) switch
        {
            (H5DataTypeClass.FloatingPoint, 4, Type t) when t == typeof(float) => (T[,])(object)dataset.Read<float[,]>(),
            (H5DataTypeClass.FloatingPoint, 8, Type t) when t == typeof(float) => (T[,])(object)Convert(dataset.Read<double[,]>(), d => (float)d),
            (H5DataTypeClass.FixedPoint, 1, Type t) when t == typeof(float) => (T[,])(object)Convert(dataset.Read<byte[,]>(), b => (float)b),
            (H5DataTypeClass.FixedPoint, 4, Type t) when t == typeof(int) => (T[,])(object)dataset.Read<int[,]>(),
            (H5DataTypeClass.FixedPoint, 8, Type t) when t == typeof(int) => (T[,])(object)Convert(dataset.Read<long[,]>(), l => checked((int)l)),
            _ => throw new InvalidDataException($"'{dataset.Name}': element type {dataset.Type.Class} of {size} bytes cannot be read as {typeof(T).Name}."),
        };
    }

    private static TOut[,] Convert<TIn, TOut>(TIn[,] values, Func<TIn, TOut> convert)
    {
        var result = new TOut[values.GetLength(0), values.GetLength(1)];
        for (int r = 0; r < values.GetLength(0); r++)
        {
            for (int c = 0; c < values.GetLength(1); c++)
            {
                result[r, c] = convert(values[r, c]);
            }
        }

        return result;
    }
}
