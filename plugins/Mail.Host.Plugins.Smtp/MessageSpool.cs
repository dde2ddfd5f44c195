namespace Mail.Host.Plugins.Smtp;

/// <summary>
/// Holds a message while it arrives: in memory up to a threshold, then in a temporary file deleted on close. Past the
/// size limit nothing more is kept and <see cref="Oversized"/> is set, so an oversized message is read and discarded.
/// </summary>
internal sealed class MessageSpool(long limit) : IDisposable
{
    private const int MemoryThreshold = 1024 * 1024;
    private Stream stream = new MemoryStream();
    private bool spilled;

    public long Length { get; private set; }

    public bool Oversized { get; private set; }

    public void Write(ReadOnlySpan<byte> data)
    {
        if (Oversized)
        {
            return;
        }

        if (Length + data.Length > limit)
        {
            Oversized = true;
            stream.SetLength(0);
            return;
        }

        if (!spilled && Length + data.Length > MemoryThreshold)
        {
            var file = new FileStream(
                Path.Combine(Path.GetTempPath(), "mailhost-smtp-" + Guid.NewGuid().ToString("N")),
                FileMode.CreateNew,
                FileAccess.ReadWrite,
                FileShare.None,
                64 * 1024,
                FileOptions.DeleteOnClose);
            stream.Position = 0;
            stream.CopyTo(file);
            stream.Dispose();
            stream = file;
            spilled = true;
        }

        stream.Write(data);
        Length += data.Length;
    }

    /// <summary>The message from its first byte; the spool keeps ownership.</summary>
    public Stream Rewind()
    {
        stream.Flush();
        stream.Position = 0;
        return stream;
    }

    public void Dispose() => stream.Dispose();
}
