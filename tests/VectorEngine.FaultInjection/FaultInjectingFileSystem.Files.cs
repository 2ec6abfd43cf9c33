using VectorEngine.Storage;

namespace VectorEngine.FaultInjection;

/// <summary>Open files: each write, truncation and fsync is counted, may be struck by the fault, and updates the model.</summary>
public sealed partial class FaultInjectingFileSystem
{
    private sealed class FaultFile(FaultInjectingFileSystem fs, IStorageFile inner, FileData? data) : IStorageFile
    {
        public long Length
        {
            get
            {
                lock (fs._gate)
                {
                    fs.ThrowIfCrashed();
                    return inner.Length;
                }
            }
        }

        public int Read(Span<byte> buffer, long offset)
        {
            lock (fs._gate)
            {
                fs.ThrowIfCrashed();
                return inner.Read(buffer, offset);
            }
        }

        public void Write(ReadOnlySpan<byte> bytes, long offset)
        {
            lock (fs._gate)
            {
                if (fs.Hit(Op.Write, "write"))
                {
                    int prefix = bytes.Length == 0 ? 0 : fs._random.Next(bytes.Length);
                    inner.Write(bytes[..prefix], offset);
                    data?.Touch(offset, prefix);
                    throw Error(fs._fault.Kind == FaultKind.DiskFull ? ENOSPC : EIO, "write");
                }

                inner.Write(bytes, offset);
                data?.Touch(offset, bytes.Length);
            }
        }

        public void SetLength(long length)
        {
            lock (fs._gate)
            {
                fs.Hit(Op.Other, "truncate");
                inner.SetLength(length);
                data?.Touch(length, 0);
            }
        }

        public void Sync()
        {
            lock (fs._gate)
            {
                if (fs.Hit(Op.FileSync, "fsync"))
                {
                    data?.SyncLost();
                    throw Error(EIO, "fsync");
                }

                if (data is null)
                {
                    inner.Sync();
                }
                else
                {
                    data.Synced(inner);
                }
            }
        }

        public void Dispose() => inner.Dispose();
    }
}
