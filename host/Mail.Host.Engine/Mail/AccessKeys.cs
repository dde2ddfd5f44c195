using System.Buffers.Binary;
using System.Text;
using Mail.Host.Mail;

namespace Mail.Host.Engine.Mail;

/// <summary>
/// The subspaces and key layouts of mailbox access control lists and metadata (docs/engine-storage.md). Like every
/// engine key they are big-endian and start with an account id, here the owner's (or the grantee's, for the index of
/// what an account was granted).
/// </summary>
internal static class AccessKeys
{
    /// <summary>[account] → UTF-8 lower-case principal name: the reverse of <see cref="MailKeys.AccountName"/>.</summary>
    public const string Principal = "mail_account_principal";

    /// <summary>[owner][mailbox][grantee account, 0 for anyone] → rights: a mailbox's access control list.</summary>
    public const string Acl = "mail_acl";

    /// <summary>[grantee account, 0 for anyone][owner][mailbox] → rights: the same entries by grantee, for shared listings.</summary>
    public const string Grant = "mail_acl_grant";

    /// <summary>[owner, 0 for server][mailbox, 0 for server][user, 0 for /shared][UTF-8 entry name] → 01 then the value.</summary>
    public const string Metadata = "mail_metadata";

    /// <summary>
    /// [reader][owner][mailbox][UID, 4 bytes] → 01: a message of another account's mailbox the reader has seen, kept
    /// per reader when <see cref="MailEngineOptions.PerUserSeenInSharedMailboxes"/> is on.
    /// </summary>
    public const string Seen = "mail_seen_private";

    public static byte[] SeenKey(ulong reader, ulong owner, ulong mailbox, uint uid)
    {
        var key = new byte[28];
        BinaryPrimitives.WriteUInt64BigEndian(key, reader);
        BinaryPrimitives.WriteUInt64BigEndian(key.AsSpan(8), owner);
        BinaryPrimitives.WriteUInt64BigEndian(key.AsSpan(16), mailbox);
        BinaryPrimitives.WriteUInt32BigEndian(key.AsSpan(24), uid);
        return key;
    }

    public static uint SeenUidOf(ReadOnlySpan<byte> key) => BinaryPrimitives.ReadUInt32BigEndian(key[24..]);

    public static byte[] Three(ulong first, ulong second, ulong third)
    {
        var key = new byte[24];
        BinaryPrimitives.WriteUInt64BigEndian(key, first);
        BinaryPrimitives.WriteUInt64BigEndian(key.AsSpan(8), second);
        BinaryPrimitives.WriteUInt64BigEndian(key.AsSpan(16), third);
        return key;
    }

    public static ulong ThirdOf(ReadOnlySpan<byte> key) => BinaryPrimitives.ReadUInt64BigEndian(key[16..]);

    public static byte[] MetadataKey(ulong owner, ulong mailbox, ulong user, string name)
    {
        var key = new byte[24 + Encoding.UTF8.GetByteCount(name)];
        BinaryPrimitives.WriteUInt64BigEndian(key, owner);
        BinaryPrimitives.WriteUInt64BigEndian(key.AsSpan(8), mailbox);
        BinaryPrimitives.WriteUInt64BigEndian(key.AsSpan(16), user);
        Encoding.UTF8.GetBytes(name, key.AsSpan(24));
        return key;
    }

    public static string MetadataNameOf(ReadOnlySpan<byte> key) => Encoding.UTF8.GetString(key[24..]);

    public static byte[] EncodeRights(MailboxRights rights)
    {
        var value = new byte[3];
        value[0] = 1;
        BinaryPrimitives.WriteUInt16BigEndian(value.AsSpan(1), (ushort)rights);
        return value;
    }

    public static MailboxRights DecodeRights(ReadOnlySpan<byte> value)
        => value.Length >= 3 && value[0] == 1
            ? (MailboxRights)BinaryPrimitives.ReadUInt16BigEndian(value[1..]) & MailboxRights.All
            : MailboxRights.None;
}
