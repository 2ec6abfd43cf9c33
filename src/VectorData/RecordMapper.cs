using Microsoft.Extensions.AI;
using Microsoft.Extensions.VectorData.ProviderServices;

namespace VectorEngine.VectorData;

/// <summary>Maps records to points and back under one collection's model: key to id, vector to vector, data properties to payload keys (their storage names).</summary>
internal sealed class RecordMapper<TRecord>(CollectionModel model)
{
    private readonly KeyPropertyModel _key = model.KeyProperty;
    private readonly VectorPropertyModel _vector = model.VectorProperty;

    public bool VectorIsGenerated { get; } = !VectorEngineModelBuilder.IsNativeVectorType(model.VectorProperty.Type);

    public PointId IdOf(TRecord record) => KeyMapping.ToPointId(_key.GetValueAsObject(record!), "record key");

    /// <summary>The record as a point; <paramref name="generated"/> is its embedding when the vector property is not a vector (a string to embed).</summary>
    public Point ToPoint(TRecord record, ReadOnlyMemory<float>? generated)
    {
        ReadOnlyMemory<float> vector = generated ?? _vector.GetValueAsObject(record!) switch
        {
            ReadOnlyMemory<float> memory => memory,
            Embedding<float> embedding => embedding.Vector,
            float[] array => array,
            null => throw new ArgumentException($"Record {IdOf(record)} has no vector in '{_vector.ModelName}'; every VectorEngine point has one."),
            var other => throw new ArgumentException($"Vector property '{_vector.ModelName}' holds a {other.GetType().Name}."),
        };

        var payload = new Payload();
        foreach (DataPropertyModel data in model.DataProperties)
        {
            payload[data.StorageName] = PayloadConversion.ToPayload(data.GetValueAsObject(record!));
        }

        return new Point(IdOf(record), vector.ToArray(), payload);
    }

    public TRecord FromPoint(PointId id, Payload? payload, float[]? vector)
    {
        TRecord record = model.CreateRecord<TRecord>()!;
        _key.SetValueAsObject(record, ConvertKey(KeyMapping.FromPointId(id)));
        foreach (DataPropertyModel data in model.DataProperties)
        {
            PayloadValue value = payload is not null && payload.TryGetValue(data.StorageName, out PayloadValue v) ? v : PayloadValue.Null;
            data.SetValueAsObject(record, PayloadConversion.FromPayload(value, data.Type));
        }

        if (vector is not null && !VectorIsGenerated)
        {
            Type type = Nullable.GetUnderlyingType(_vector.Type) ?? _vector.Type;
            _vector.SetValueAsObject(record, type == typeof(float[]) ? vector
                : type == typeof(Embedding<float>) ? new Embedding<float>(vector)
                : new ReadOnlyMemory<float>(vector));
        }

        return record;
    }

    // A dynamic collection's key property may be declared object: it gets the id's own type.
    private object ConvertKey(object key) => _key.Type == typeof(object) || _key.Type.IsInstanceOfType(key)
        ? key
        : throw new InvalidOperationException($"Point id '{key}' is a {key.GetType().Name}; the key property '{_key.ModelName}' is a {_key.Type.Name}.");
}
