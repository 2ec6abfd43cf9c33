using System.Buffers;
using System.Buffers.Binary;
using Microsoft.Extensions.Logging;
using VectorEngine.Diagnostics;

namespace VectorEngine.Storage.Wal;

/// <summary>
/// Replays a WAL file record by record. The first record that is torn (short), oversized or fails its CRC ends the
/// log: the file is truncated there with a logged warning. A bad tail never stops the database from opening.
/// </summary>
internal static class WalReader
{
    public delegate void RecordHandler(ReadOnlySpan<byte> payload);

    /// <summary>Reads every valid record and returns the file length after the last one (the append position).</summary>
    public static long Replay(string path, long expectedGeneration, RecordHandler onRecord, ILogger logger, out int records)
    {
        records = 0;
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read, 1 << 16);
        Span<byte> header = stackalloc byte[WalFileHeader.Size];
        if (file.ReadAtLeast(header, WalFileHeader.Size, throwOnEndOfStream: false) < WalFileHeader.Size ||
            !WalFileHeader.TryRead(header, out WalFileHeader parsed) || parsed.Generation != expectedGeneration)
        {
            // A WAL file whose header never reached the disk holds no acknowledged record: start it afresh.
            Log.WalTailTruncated(logger, path, 0, "missing or invalid header", file.Length);
            file.SetLength(0);
            new WalFileHeader(expectedGeneration).Write(header);
            file.Write(header);
            file.Flush(flushToDisk: true);
            return WalFileHeader.Size;
        }

        long position = WalFileHeader.Size;
        long length = file.Length;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(1 << 16);
        Span<byte> frame = stackalloc byte[WalWriter.FrameSize];
        try
        {
            while (position < length)
            {
                string? problem = null;
                if (file.ReadAtLeast(frame, frame.Length, throwOnEndOfStream: false) < frame.Length)
                {
                    problem = "torn frame";
                }
                else
                {
                    uint size = BinaryPrimitives.ReadUInt32LittleEndian(frame);
                    uint crc = BinaryPrimitives.ReadUInt32LittleEndian(frame[4..]);
                    if (size == 0 || size > WalWriter.MaxRecordSize || position + WalWriter.FrameSize + size > length)
                    {
                        problem = size == 0 ? "empty record" : "length past end of file";
                    }
                    else
                    {
                        if (buffer.Length < size)
                        {
                            ArrayPool<byte>.Shared.Return(buffer);
                            buffer = ArrayPool<byte>.Shared.Rent((int)size);
                        }

                        Span<byte> payload = buffer.AsSpan(0, (int)size);
                        file.ReadExactly(payload);
                        if (Crc32C.Compute(payload) != crc)
                        {
                            problem = "checksum mismatch";
                        }
                        else
                        {
                            onRecord(payload);
                            records++;
                            position += WalWriter.FrameSize + size;
                            continue;
                        }
                    }
                }

                Log.WalTailTruncated(logger, path, position, problem, length - position);
                file.SetLength(position);
                file.Flush(flushToDisk: true);
                break;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return position;
    }
}
