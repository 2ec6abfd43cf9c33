using System.Collections;
using VectorEngine.Diagnostics;

namespace VectorEngine;

/// <summary>A point's payload: a map of keys to <see cref="PayloadValue"/>s. Keys are case-sensitive.</summary>
public sealed class Payload : IReadOnlyDictionary<string, PayloadValue>
{
    /// <summary>The longest key accepted.</summary>
    public const int MaxKeyLength = 256;

    private readonly Dictionary<string, PayloadValue> _values;

    /// <summary>Creates an empty payload.</summary>
    public Payload()
    {
        _values = new Dictionary<string, PayloadValue>(StringComparer.Ordinal);
    }

    /// <summary>Creates a payload holding a copy of <paramref name="values"/>.</summary>
    /// <param name="values">The entries.</param>
    public Payload(IEnumerable<KeyValuePair<string, PayloadValue>> values)
        : this()
    {
        foreach (KeyValuePair<string, PayloadValue> pair in values)
        {
            this[pair.Key] = pair.Value;
        }
    }

    /// <summary>An empty payload, shared; do not modify it.</summary>
    internal static Payload Empty { get; } = new();

    /// <inheritdoc />
    public int Count => _values.Count;

    /// <inheritdoc />
    public IEnumerable<string> Keys => _values.Keys;

    /// <inheritdoc />
    public IEnumerable<PayloadValue> Values => _values.Values;

    /// <summary>Gets or sets a value. Setting validates the key.</summary>
    /// <param name="key">1 to <see cref="MaxKeyLength"/> characters.</param>
    public PayloadValue this[string key]
    {
        get => _values[key];
        set
        {
            if (string.IsNullOrEmpty(key) || key.Length > MaxKeyLength)
            {
                ThrowHelper.ThrowPayload($"Payload keys must have 1 to {MaxKeyLength} characters; got '{key}'.");
            }

            _values[key] = value;
        }
    }

    /// <summary>Adds an entry (collection-initializer support).</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The value.</param>
    public void Add(string key, PayloadValue value) => this[key] = value;

    /// <summary>Removes an entry.</summary>
    /// <param name="key">The key.</param>
    /// <returns>True when it was there.</returns>
    public bool Remove(string key) => _values.Remove(key);

    /// <inheritdoc />
    public bool ContainsKey(string key) => _values.ContainsKey(key);

    /// <inheritdoc />
    public bool TryGetValue(string key, out PayloadValue value) => _values.TryGetValue(key, out value);

    /// <summary>A deep-enough copy (values are immutable).</summary>
    public Payload Clone() => new(_values);

    /// <inheritdoc />
    public IEnumerator<KeyValuePair<string, PayloadValue>> GetEnumerator() => _values.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>True when both payloads hold the same keys and values.</summary>
    /// <param name="other">The payload to compare with.</param>
    public bool ContentEquals(Payload? other)
    {
        if (other is null || other.Count != Count)
        {
            return false;
        }

        foreach (KeyValuePair<string, PayloadValue> pair in _values)
        {
            if (!other.TryGetValue(pair.Key, out PayloadValue v) || !v.Equals(pair.Value))
            {
                return false;
            }
        }

        return true;
    }
}
