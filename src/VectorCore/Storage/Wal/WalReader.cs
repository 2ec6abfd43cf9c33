using System.Buffers;
using System.Buffers.Binary;

namespace VectorEngine.Storage.Wal;

/// <summary>What a replay found: where the valid records end and, when it stopped early, why and whether that was a torn tail.</summary>
/// <param name="ValidLength">The file position after the last valid record (0 when the header itself is torn).</param>
/// <param name="Records">Records replayed.</param>
/// <param name="FileLength">The file's length.</param>
/// <param name="Problem">Why replay stopped before the end of the file; null when it read to the end.</param>
/// <param name="IsTornTail">
/// True when everything from <paramref name="ValidLength"/> on may be dropped: no valid record follows that was appended
/// after the damaged bytes were durable. False: acknowledged records are damaged, and truncating would lose them.
/// </param>
internal readonly record struct WalReplay(long ValidLength, int Records, long FileLength, string? Problem, bool IsTornTail);

/// <summary>
/// Replays a WAL file record by record, and classifies damage. Only a torn tail may be cut: the last record (short,
/// with a length past the end, or failing its CRC) with nothing valid after it, or records after it that were appended
/// while the damaged bytes were not yet durable (their frames say so). Damage followed by a record that knew those
/// bytes durable, an unknown version or a wrong generation is not a tail: the caller must refuse to open.
/// </summary>
internal static class WalReader
{
    public delegate void RecordHandler(ReadOnlySpan<byte> payload);

    /// <summary>Bytes of CRC work the search for valid records after damage may do before it assumes there are some.</summary>
    private const long ScanBudgetBytes = 1L << 30;

    /// <summary>Reads every valid record into <paramref name="onRecord"/>; never changes the file.</summary>
    public static WalReplay Replay(IFileSystem fs, string path, long expectedGeneration, RecordHandler onRecord)
    {
        using IStorageFile file = fs.OpenFile(path, StorageFileMode.OpenRead);
        long length = file.Length;
        Span<byte> headerBytes = stackalloc byte[WalFileHeader.Size];
        int headerRead = ReadFully(file, headerBytes, 0);
        if (headerRead < WalFileHeader.Size || (headerBytes.IndexOfAnyExcept((byte)0) < 0 && IsZeroFrom(file, WalFileHeader.Size, length)))
        {
            // The file was created but its header never reached the disk: it cannot hold an acknowledged record.
            return new WalReplay(0, 0, length, "missing header", IsTornTail: true);
        }

        if (!WalFileHeader.TryRead(headerBytes, out WalFileHeader header))
        {
            return new WalReplay(0, 0, length, "not a write-ahead log (bad magic)", IsTornTail: false);
        }

        if (header.Version is not (WalFileHeader.CurrentVersion or WalFileHeader.Version1))
        {
            return new WalReplay(0, 0, length, $"unknown format version {header.Version}", IsTornTail: false);
        }

        if (header.Generation != expectedGeneration)
        {
            return new WalReplay(0, 0, length, $"header names generation {header.Generation}, the file name {expectedGeneration}", IsTornTail: false);
        }

        int frameSize = header.FrameSize;
        long position = WalFileHeader.Size;
        int records = 0;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(1 << 16);
        Span<byte> frame = stackalloc byte[WalWriter.FrameSize];
        try
        {
            while (position < length)
            {
                string? problem = TryReadRecord(file, header, position, length, frame[..frameSize], ref buffer, out int size);
                if (problem is not null)
                {
                    bool tail = IsTail(file, header, position, length);
                    return new WalReplay(position, records, length, problem, tail);
                }

                onRecord(buffer.AsSpan(0, size));
                records++;
                position += frameSize + size;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return new WalReplay(position, records, length, null, IsTornTail: true);
    }

    /// <summary>Reads and checks the record at <paramref name="position"/> into <paramref name="buffer"/>; returns the problem, or null.</summary>
    private static string? TryReadRecord(IStorageFile file, WalFileHeader header, long position, long length, Span<byte> frame, ref byte[] buffer, out int size)
    {
        size = 0;
        if (ReadFully(file, frame, position) < frame.Length)
        {
            return "torn frame";
        }

        uint declared = BinaryPrimitives.ReadUInt32LittleEndian(frame);
        if (declared == 0)
        {
            return "empty record";
        }

        if (declared > WalWriter.MaxRecordSize || position + frame.Length + declared > length)
        {
            return "length past end of file";
        }

        size = (int)declared;
        if (buffer.Length < size)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            buffer = ArrayPool<byte>.Shared.Rent(size);
        }

        Span<byte> payload = buffer.AsSpan(0, size);
        if (ReadFully(file, payload, position + frame.Length) < size)
        {
            return "torn record";
        }

        uint crc = BinaryPrimitives.ReadUInt32LittleEndian(frame[4..]);
        uint actual = header.Version == WalFileHeader.Version1
            ? Crc32C.Compute(payload)
            : ~Crc32C.Append(Crc32C.Append(~0u, frame[8..]), payload);
        return actual == crc ? null : "checksum mismatch";
    }

    /// <summary>
    /// True when no valid record after <paramref name="damage"/> proves the damaged bytes were durable: none at all, or
    /// (version 2) only records whose durable mark does not reach past the damage, appended while it was unsynced.
    /// </summary>
    private static bool IsTail(IStorageFile file, WalFileHeader header, long damage, long length)
    {
        if (IsZeroFrom(file, damage, length))
        {
            return true;
        }

        int frameSize = header.FrameSize;
        long rest = length - damage;
        if (rest > Array.MaxLength)
        {
            return false;
        }

        byte[] bytes = new byte[rest];
        if (ReadFully(file, bytes, damage) < rest)
        {
            return false;
        }

        long budget = ScanBudgetBytes;
        for (int q = 1; q + frameSize <= bytes.Length; q++)
        {
            uint declared = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(q));
            if (declared == 0 || declared > WalWriter.MaxRecordSize || q + frameSize + (long)declared > bytes.Length)
            {
                continue;
            }

            budget -= declared;
            if (budget < 0)
            {
                return false; // too much to search: assume the worst and refuse rather than cut
            }

            ReadOnlySpan<byte> candidate = bytes.AsSpan(q, frameSize + (int)declared);
            uint crc = BinaryPrimitives.ReadUInt32LittleEndian(candidate[4..]);
            // Both versions checksum everything after the CRC field: the payload (v1), or the durable mark and payload (v2).
            if (Crc32C.Compute(candidate[8..]) != crc)
            {
                continue;
            }

            if (header.Version == WalFileHeader.Version1)
            {
                return false;
            }

            long durableWhenAppended = BinaryPrimitives.ReadInt64LittleEndian(candidate[8..]);
            if (durableWhenAppended > damage)
            {
                return false;
            }

            q += frameSize + (int)declared - 1;
        }

        return true;
    }

    private static bool IsZeroFrom(IStorageFile file, long from, long length)
    {
        byte[] chunk = ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            for (long at = from; at < length;)
            {
                int n = ReadFully(file, chunk.AsSpan(0, (int)Math.Min(chunk.Length, length - at)), at);
                if (n == 0)
                {
                    return true;
                }

                if (chunk.AsSpan(0, n).IndexOfAnyExcept((byte)0) >= 0)
                {
                    return false;
                }

                at += n;
            }

            return true;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    private static int ReadFully(IStorageFile file, Span<byte> destination, long offset)
    {
        int total = 0;
        while (total < destination.Length)
        {
            int n = file.Read(destination[total..], offset + total);
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        return total;
    }
}
