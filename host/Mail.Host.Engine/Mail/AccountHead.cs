namespace Mail.Host.Engine.Mail;

/// <summary>
/// The per-account counters. Every write to an account reads this record, changes it (at least
/// <see cref="Version"/>) and asserts in its batch that it still holds what was read: two writers of one account,
/// in one process or several, can never both commit on the same state.
/// </summary>
internal sealed class AccountHead
{
    private const byte Format = 1;

    /// <summary>Bumped by every commit, so an assertion on the head never passes on an old value that came back.</summary>
    public ulong Version { get; set; }

    /// <summary>The latest mod-sequence given; also the account's change-log position (its JMAP state).</summary>
    public ulong ModSeq { get; set; }

    public ulong NextEmailId { get; set; } = 1;

    public ulong NextMailboxId { get; set; } = 1;

    public uint LastUidValidity { get; set; }

    public ulong InboxId { get; set; }

    public long UsedBytes { get; set; }

    public long UsedMessages { get; set; }

    /// <summary>The storage limit; negative for none.</summary>
    public long QuotaBytes { get; set; } = -1;

    /// <summary>The message-count limit; negative for none.</summary>
    public long QuotaMessages { get; set; } = -1;

    /// <summary>Change-log entries up to this mod-sequence may have been purged.</summary>
    public ulong PurgedThrough { get; set; }

    public long CreatedAtMs { get; set; }

    public static AccountHead Decode(ReadOnlySpan<byte> value)
    {
        var reader = new ValueReader(value);
        if (reader.Byte() != Format)
        {
            throw new FormatException("An account record has an unknown format.");
        }

        return new AccountHead
        {
            Version = reader.UInt(),
            ModSeq = reader.UInt(),
            NextEmailId = reader.UInt(),
            NextMailboxId = reader.UInt(),
            LastUidValidity = (uint)reader.UInt(),
            InboxId = reader.UInt(),
            UsedBytes = reader.Int(),
            UsedMessages = reader.Int(),
            QuotaBytes = reader.Int(),
            QuotaMessages = reader.Int(),
            PurgedThrough = reader.UInt(),
            CreatedAtMs = reader.Int(),
        };
    }

    public byte[] Encode()
    {
        var writer = new ValueWriter(64);
        writer.Byte(Format);
        writer.UInt(Version);
        writer.UInt(ModSeq);
        writer.UInt(NextEmailId);
        writer.UInt(NextMailboxId);
        writer.UInt(LastUidValidity);
        writer.UInt(InboxId);
        writer.Int(UsedBytes);
        writer.Int(UsedMessages);
        writer.Int(QuotaBytes);
        writer.Int(QuotaMessages);
        writer.UInt(PurgedThrough);
        writer.Int(CreatedAtMs);
        return writer.ToArray();
    }
}
