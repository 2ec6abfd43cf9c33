using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.VectorData;
using Microsoft.Extensions.VectorData.ProviderServices;

namespace VectorEngine.VectorData;

/// <summary>
/// Builds a record model the engine can hold: one key (ulong, Guid or string), exactly one float vector (a point has
/// one vector), data properties of payload types, and a distance function the engine serves.
/// </summary>
internal sealed class VectorEngineModelBuilder() : CollectionModelBuilder(BuildingOptions)
{
    private const string SupportedVectorTypes = "ReadOnlyMemory<float>, Embedding<float>, float[]";

    private static readonly CollectionModelBuildingOptions BuildingOptions = new()
    {
        SupportsMultipleVectors = false,
        RequiresAtLeastOneVector = true,
    };

    protected override IReadOnlyList<EmbeddingGenerationDispatcher> EmbeddingGenerationDispatchers { get; } =
        [EmbeddingGenerationDispatcher.Create<Embedding<float>>()];

    public static bool IsNativeVectorType(Type type)
    {
        Type t = Nullable.GetUnderlyingType(type) ?? type;
        return t == typeof(ReadOnlyMemory<float>) || t == typeof(Embedding<float>) || t == typeof(float[]);
    }

    protected override bool IsDataPropertyTypeValid(Type type, [NotNullWhen(false)] out string? supportedTypes)
    {
        supportedTypes = PayloadConversion.SupportedTypes;
        return PayloadConversion.IsSupported(type);
    }

    protected override bool IsVectorPropertyTypeValid(Type type, [NotNullWhen(false)] out string? supportedTypes)
    {
        supportedTypes = SupportedVectorTypes;
        return IsNativeVectorType(type);
    }

    protected override void ValidateKeyProperty(KeyPropertyModel keyProperty)
    {
        if (!KeyMapping.IsSupported(keyProperty.Type))
        {
            throw new NotSupportedException(
                $"Key property '{keyProperty.ModelName}' has type '{keyProperty.Type.Name}'; VectorEngine keys are ulong, Guid or string.");
        }

        base.ValidateKeyProperty(keyProperty);
    }

    protected override void ValidateProperty(PropertyModel propertyModel, VectorStoreCollectionDefinition? definition)
    {
        base.ValidateProperty(propertyModel, definition);

        if (propertyModel is VectorPropertyModel vector)
        {
            if (!DistanceFunctions.IsSupported(vector.DistanceFunction))
            {
                throw DistanceFunctions.Unsupported(vector.DistanceFunction!);
            }

            if (vector.IndexKind is not (null or IndexKind.Hnsw or IndexKind.Flat))
            {
                throw new NotSupportedException($"Index kind '{vector.IndexKind}' is not supported by VectorEngine; supported: Hnsw, Flat.");
            }
        }
    }
}
