namespace VectorEngine.FaultInjection;

/// <summary>What goes wrong.</summary>
public enum FaultKind
{
    /// <summary>Nothing: the run ends with a power loss after its last operation, to check what was acknowledged is durable.</summary>
    None,

    /// <summary>An fsync of a file fails with EIO; the bytes it should have made durable are lost (fsyncgate).</summary>
    FailFileSync,

    /// <summary>An fsync of a folder fails with EIO; the entries it should have made durable are not.</summary>
    FailDirectorySync,

    /// <summary>A write fails with EIO after writing a random prefix of its bytes.</summary>
    FailWrite,

    /// <summary>A write fails with ENOSPC after writing a random prefix of its bytes (a full disk).</summary>
    DiskFull,

    /// <summary>A rename fails with EIO and changes nothing.</summary>
    FailRename,

    /// <summary>
    /// The power goes: the operation and all after it fail; what was not durable (file bytes not fsynced, entries of
    /// folders not fsynced) is gone, except a random prefix of bytes appended after a file's last fsync (a torn write).
    /// </summary>
    PowerLoss,
}

/// <summary>One fault: its kind, and the mutating file-system call (counted from 1) at or after which it strikes.</summary>
/// <param name="Kind">What goes wrong.</param>
/// <param name="AtCall">The first mutating call that may be hit; the first call of a matching kind from there on is.</param>
public sealed record Fault(FaultKind Kind, long AtCall)
{
    /// <inheritdoc />
    public override string ToString() => Kind == FaultKind.None ? "no fault" : $"{Kind} at call {AtCall}";
}
