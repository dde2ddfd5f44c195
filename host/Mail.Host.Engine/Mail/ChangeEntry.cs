namespace Mail.Host.Engine.Mail;

/// <summary>One change-log entry: what one committed mod-sequence changed, and when.</summary>
internal sealed record ChangeEntry(long TimeMs, IReadOnlyList<(ChangeKind Kind, ulong Id)> Items)
{
    private const byte Format = 1;

    public static ChangeEntry Decode(ReadOnlySpan<byte> value)
    {
        var reader = new ValueReader(value);
        if (reader.Byte() != Format)
        {
            throw new FormatException("A change-log entry has an unknown format.");
        }

        var time = reader.Int();
        var count = reader.Count();
        var items = new (ChangeKind, ulong)[count];
        for (var i = 0; i < count; i++)
        {
            items[i] = ((ChangeKind)reader.Byte(), reader.UInt());
        }

        return new(time, items);
    }

    /// <summary>Reads only the time, for the purge.</summary>
    public static long DecodeTime(ReadOnlySpan<byte> value)
    {
        var reader = new ValueReader(value);
        if (reader.Byte() != Format)
        {
            throw new FormatException("A change-log entry has an unknown format.");
        }

        return reader.Int();
    }

    public byte[] Encode()
    {
        var writer = new ValueWriter(16 + (Items.Count * 6));
        writer.Byte(Format);
        writer.Int(TimeMs);
        writer.UInt((ulong)Items.Count);
        foreach (var (kind, id) in Items)
        {
            writer.Byte((byte)kind);
            writer.UInt(id);
        }

        return writer.ToArray();
    }
}
