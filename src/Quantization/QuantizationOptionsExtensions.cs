using VectorEngine.Quantization.Binary;
using VectorEngine.Quantization.Product;
using VectorEngine.Quantization.Scalar;

namespace VectorEngine.Quantization;

/// <summary>Plugs the quantizers into a database (<c>options.UseQuantization()</c>), for indexes that traverse codes.</summary>
public static class QuantizationOptionsExtensions
{
    /// <summary>Registers the quantizers: "int8", "pq" and "binary".</summary>
    /// <param name="options">The database options.</param>
    /// <returns>The same options, for chaining.</returns>
    public static VectorDatabaseOptions UseQuantization(this VectorDatabaseOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Quantizers.Register(new Int8QuantizerFactory());
        options.Quantizers.Register(new PqQuantizerFactory());
        options.Quantizers.Register(new BinaryQuantizerFactory());
        return options;
    }
}
