using VectorEngine.Quantization.Scalar;

namespace VectorEngine.Quantization;

/// <summary>Plugs the quantizers into a database (<c>options.UseQuantization()</c>), for indexes that traverse codes.</summary>
public static class QuantizationOptionsExtensions
{
    /// <summary>Registers the quantizers: "int8".</summary>
    /// <param name="options">The database options.</param>
    /// <returns>The same options, for chaining.</returns>
    public static VectorDatabaseOptions UseQuantization(this VectorDatabaseOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Quantizers.Register(new Int8QuantizerFactory());
        return options;
    }
}
