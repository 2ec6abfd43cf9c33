using System.Text.Json.Serialization;
using VectorEngine.Collections;

namespace VectorEngine.Storage;

/// <summary>
/// The JSON metadata files, serialised by generated code: no reflection, so trimmed and native AOT applications read and
/// write the same files. The options are those the files were always written with (indented, camelCase, enum names).
/// </summary>
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UseStringEnumConverter = true)]
[JsonSerializable(typeof(CollectionConfigFile))]
[JsonSerializable(typeof(ManifestFile))]
[JsonSerializable(typeof(SnapshotMarker))]
[JsonSerializable(typeof(Tiers.TiersFile))]
internal sealed partial class EngineJsonContext : JsonSerializerContext;

/// <summary>The <c>snapshot.json</c> inside a snapshot archive, naming its format and version.</summary>
internal sealed record SnapshotMarker(string Format, int Version, string Collection, DateTime CreatedUtc);
