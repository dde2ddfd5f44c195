using Mail.Host.Storage;

namespace Mail.Host.Engine.Mail;

/// <summary>
/// A stored email: its blob, its keywords and the mailboxes holding it. The parsed metadata is keyed by the blob
/// hash (<see cref="MailKeys.BlobMetadata"/>), so the same message delivered to many accounts is parsed and stored once.
/// </summary>
internal sealed class EmailRecord
{
    private const byte Format = 1;

    public required ulong Id { get; init; }

    public required ulong ThreadId { get; init; }

    public required BlobHash Blob { get; init; }

    public required long Size { get; init; }

    public required long InternalDateMs { get; init; }

    /// <summary>Lower case, ordinal order, no duplicates.</summary>
    public required string[] Keywords { get; set; }

    /// <summary>Each mailbox holding the email, its UID there and the mod-sequence of its entry.</summary>
    public required List<Membership> Mailboxes { get; init; }

    public static EmailRecord Decode(ulong id, ReadOnlySpan<byte> value)
    {
        var reader = new ValueReader(value);
        if (reader.Byte() != Format)
        {
            throw new FormatException("An email record has an unknown format.");
        }

        var thread = reader.UInt();
        var blob = BlobHash.FromBytes(reader.Raw(BlobHash.Size));
        var size = reader.Int();
        var date = reader.Int();
        var keywords = reader.Strings();
        var count = reader.Count();
        var mailboxes = new List<Membership>(count);
        for (var i = 0; i < count; i++)
        {
            mailboxes.Add(new(reader.UInt(), (uint)reader.UInt(), reader.UInt()));
        }

        return new EmailRecord { Id = id, ThreadId = thread, Blob = blob, Size = size, InternalDateMs = date, Keywords = keywords, Mailboxes = mailboxes };
    }

    public byte[] Encode()
    {
        var writer = new ValueWriter(64 + (Keywords.Length * 8) + (Mailboxes.Count * 12));
        writer.Byte(Format);
        writer.UInt(ThreadId);
        writer.Raw(Blob.Bytes);
        writer.Int(Size);
        writer.Int(InternalDateMs);
        writer.Strings(Keywords);
        writer.UInt((ulong)Mailboxes.Count);
        foreach (var membership in Mailboxes)
        {
            writer.UInt(membership.MailboxId);
            writer.UInt(membership.Uid);
            writer.UInt(membership.ModSeq);
        }

        return writer.ToArray();
    }

    public int IndexOf(ulong mailboxId)
    {
        for (var i = 0; i < Mailboxes.Count; i++)
        {
            if (Mailboxes[i].MailboxId == mailboxId)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>One mailbox holding the email.</summary>
    public readonly record struct Membership(ulong MailboxId, uint Uid, ulong ModSeq);
}
