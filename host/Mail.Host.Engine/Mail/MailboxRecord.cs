using Mail.Host.Mail;

namespace Mail.Host.Engine.Mail;

/// <summary>A stored mailbox with the counters maintained by every change to its messages.</summary>
internal sealed class MailboxRecord
{
    private const byte Format = 1;

    public required ulong Id { get; init; }

    public required string Name { get; set; }

    /// <summary>The parent's id; 0 for a top-level mailbox.</summary>
    public ulong ParentId { get; set; }

    public MailboxRole Role { get; set; }

    public bool Subscribed { get; set; }

    public uint UidValidity { get; init; }

    public uint UidNext { get; set; } = 1;

    public ulong HighestModSeq { get; set; }

    public long Total { get; set; }

    public long Unseen { get; set; }

    public long Size { get; set; }

    public static MailboxRecord Decode(ulong id, ReadOnlySpan<byte> value)
    {
        var reader = new ValueReader(value);
        if (reader.Byte() != Format)
        {
            throw new FormatException("A mailbox record has an unknown format.");
        }

        return new MailboxRecord
        {
            Id = id,
            Name = reader.String(),
            ParentId = reader.UInt(),
            Role = (MailboxRole)reader.Byte(),
            Subscribed = reader.Bool(),
            UidValidity = (uint)reader.UInt(),
            UidNext = (uint)reader.UInt(),
            HighestModSeq = reader.UInt(),
            Total = reader.Int(),
            Unseen = reader.Int(),
            Size = reader.Int(),
        };
    }

    public byte[] Encode()
    {
        var writer = new ValueWriter(64 + Name.Length);
        writer.Byte(Format);
        writer.String(Name);
        writer.UInt(ParentId);
        writer.Byte((byte)Role);
        writer.Bool(Subscribed);
        writer.UInt(UidValidity);
        writer.UInt(UidNext);
        writer.UInt(HighestModSeq);
        writer.Int(Total);
        writer.Int(Unseen);
        writer.Int(Size);
        return writer.ToArray();
    }

    public Mailbox ToMailbox() => new()
    {
        Id = Id,
        Name = Name,
        ParentId = ParentId == 0 ? null : ParentId,
        Role = Role,
        IsSubscribed = Subscribed,
        UidValidity = UidValidity,
        UidNext = UidNext,
        HighestModSeq = HighestModSeq,
        TotalMessages = Total,
        UnseenMessages = Unseen,
        Size = Size,
    };
}
