using Mail.Host.Mail;

namespace Mail.Host.Engine.Mail;

/// <summary>
/// A message's entry in a mailbox's UID index (and, with the same bytes, in its mod-sequence index): everything a
/// listing shows, so that listing a mailbox is one range scan.
/// </summary>
internal sealed record UidEntry(uint Uid, ulong EmailId, ulong ModSeq, string[] Keywords, long InternalDateMs, long Size)
{
    private const byte Format = 1;

    public bool Has(string keyword) => Array.BinarySearch(Keywords, keyword, StringComparer.Ordinal) >= 0;

    public static UidEntry Decode(uint uid, ReadOnlySpan<byte> value)
    {
        var reader = new ValueReader(value);
        if (reader.Byte() != Format)
        {
            throw new FormatException("A message entry has an unknown format.");
        }

        var emailId = reader.UInt();
        var modSeq = reader.UInt();
        var internalDate = reader.Int();
        var size = reader.Int();
        return new(uid, emailId, modSeq, reader.Strings(), internalDate, size);
    }

    public byte[] Encode()
    {
        var writer = new ValueWriter(32 + (Keywords.Length * 8));
        writer.Byte(Format);
        writer.UInt(EmailId);
        writer.UInt(ModSeq);
        writer.Int(InternalDateMs);
        writer.Int(Size);
        writer.Strings(Keywords);
        return writer.ToArray();
    }

    public MailboxMessage ToMessage() => new(Uid, EmailId, ModSeq, Keywords, DateTimeOffset.FromUnixTimeMilliseconds(InternalDateMs), Size);
}
