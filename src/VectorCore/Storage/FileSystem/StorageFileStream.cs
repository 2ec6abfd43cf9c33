namespace VectorEngine.Storage;

/// <summary>A <see cref="Stream"/> over an <see cref="IStorageFile"/>, for formats written by stream APIs (tar).</summary>
internal sealed class StorageFileStream(IStorageFile file, bool writable) : Stream
{
    private long _position;

    public override bool CanRead => !writable;

    public override bool CanSeek => true;

    public override bool CanWrite => writable;

    public override long Length => file.Length;

    public override long Position
    {
        get => _position;
        set => _position = value;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int n = file.Read(buffer, _position);
        _position += n;
        return n;
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        file.Write(buffer, _position);
        _position += buffer.Length;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => _position = origin switch
    {
        SeekOrigin.Begin => offset,
        SeekOrigin.Current => _position + offset,
        _ => file.Length + offset,
    };

    public override void SetLength(long value) => throw new NotSupportedException();
}
