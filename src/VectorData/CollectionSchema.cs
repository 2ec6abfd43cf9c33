using Microsoft.Extensions.VectorData;
using Microsoft.Extensions.VectorData.ProviderServices;
using VectorEngine.Hnsw;
using VectorEngine.Indexing;

namespace VectorEngine.VectorData;

/// <summary>The engine collection a record model asks for: dimension, metric, index, and a payload index per indexed property.</summary>
internal static class CollectionSchema
{
    public static CollectionOptions Options(CollectionModel model, IndexSpec? index)
    {
        VectorPropertyModel vector = model.VectorProperty;
        if (vector.Dimensions is not > 0)
        {
            throw new InvalidOperationException($"Vector property '{vector.ModelName}' needs its dimensions to create the collection.");
        }

        var options = new CollectionOptions(vector.Dimensions, DistanceFunctions.Metric(vector.DistanceFunction))
        {
            Index = index ?? vector.IndexKind switch
            {
                IndexKind.Hnsw => new HnswParameters().ToSpec(),
                IndexKind.Flat => IndexSpec.Flat,
                _ => null,
            },
        };

        foreach (DataPropertyModel data in model.DataProperties)
        {
            if (data.IsFullTextIndexed)
            {
                options.PayloadIndexes[data.StorageName] = PayloadIndexType.Text;
            }
            else if (data.IsIndexed)
            {
                options.PayloadIndexes[data.StorageName] = IndexTypeOf(data.Type);
            }
        }

        return options;
    }

    private static PayloadIndexType IndexTypeOf(Type type)
    {
        Type element = PayloadConversion.ElementType(type) ?? type;
        element = Nullable.GetUnderlyingType(element) ?? element;
        return element switch
        {
            _ when element == typeof(string) || element == typeof(Guid) => PayloadIndexType.Keyword,
            _ when element == typeof(int) || element == typeof(long) || element == typeof(short) || element == typeof(byte) || element == typeof(TimeOnly)
                => PayloadIndexType.Integer,
            _ when element == typeof(float) || element == typeof(double) => PayloadIndexType.Float,
            _ when element == typeof(bool) => PayloadIndexType.Bool,
            _ => PayloadIndexType.DateTime,
        };
    }
}
