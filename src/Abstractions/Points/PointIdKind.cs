namespace VectorEngine;

/// <summary>Which of the three id forms a <see cref="PointId"/> holds.</summary>
public enum PointIdKind : byte
{
    /// <summary>An unsigned 64-bit integer.</summary>
    Number = 1,

    /// <summary>A UUID.</summary>
    Uuid = 2,

    /// <summary>A string of 1 to <see cref="PointId.MaxStringLength"/> characters.</summary>
    String = 3,
}
