using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Mail.Host.Storage;

namespace Mail.Host.Engine.Mail;

/// <summary>
/// The subspaces and key layouts of the mail model (docs/engine-storage.md describes them). Integers in keys are
/// big-endian so that byte order is numeric order; every per-account key starts with the account id, so no scan of
/// one account can reach another's.
/// </summary>
internal static class MailKeys
{
    /// <summary>[lower-case UTF-8 principal name] → account id (8): how directory principals map to accounts.</summary>
    public const string AccountName = "mail_account";

    /// <summary>[<see cref="AccountSequenceKey"/>] → counter: the last account id given out.</summary>
    public const string AccountSequence = "mail_account_seq";

    /// <summary>[account] → <see cref="AccountHead"/>: the counters every change of the account updates and asserts.</summary>
    public const string Head = "mail_head";

    /// <summary>[account][mailbox] → <see cref="MailboxRecord"/>.</summary>
    public const string Mailbox = "mail_mailbox";

    /// <summary>
    /// [account][UTF-8 full name] → marker: a subscription that outlived its mailbox (RFC 9051 §6.3.7: a subscription
    /// is to a name), until the name is unsubscribed or a mailbox of that name is created again.
    /// </summary>
    public const string Subscription = "mail_subscription";

    /// <summary>[account][UTF-8 full name] → mailbox id (8 bytes): the name index.</summary>
    public const string MailboxName = "mail_mailbox_name";

    /// <summary>[account][mailbox][uid 4] → <see cref="UidEntry"/>: a mailbox's messages in UID order.</summary>
    public const string Uid = "mail_uid";

    /// <summary>[account][mailbox][modseq][uid 4] → <see cref="UidEntry"/>: the same entries in mod-sequence order, for CHANGEDSINCE.</summary>
    public const string ModSeq = "mail_modseq";

    /// <summary>[account][mailbox][modseq][uid 4] → empty: UIDs expunged, for VANISHED.</summary>
    public const string Vanished = "mail_vanished";

    /// <summary>[account][email] → <see cref="EmailRecord"/>.</summary>
    public const string Email = "mail_email";

    /// <summary>[account][modseq] → <see cref="ChangeEntry"/>: one entry per mod-sequence, without gaps.</summary>
    public const string Change = "mail_change";

    /// <summary>[account][16 bytes of SHA-256 of a Message-ID] → thread id (8) + subject hash (8), for threading.</summary>
    public const string MessageId = "mail_message_id";

    /// <summary>[blob hash] → counter: how many emails (and deliveries in progress) reference the blob.</summary>
    public const string BlobReference = "mail_blob_ref";

    /// <summary>[blob hash] → marker: blobs whose count went down since the last collection, the only ones it checks.</summary>
    public const string BlobUnreferenced = "mail_blob_unref";

    /// <summary>[time ms 8][blob hash][nonce 8] → empty: a reference held by a delivery or append in progress.</summary>
    public const string BlobPending = "mail_blob_pending";

    /// <summary>[blob hash][chunk 2] → the parsed <see cref="Host.Mail.MessageMetadata"/>, serialized and cut into chunks.</summary>
    public const string BlobMetadata = "mail_blob_meta";

    /// <summary>[blob hash] → the whole content of a small message, kept in the data store instead of the blob store.</summary>
    public const string BlobInline = "mail_blob_inline";

    /// <summary>The one key of <see cref="AccountSequence"/>.</summary>
    public static readonly byte[] AccountSequenceKey = "next"u8.ToArray();

    /// <summary>[account][thread][email] → marker: the emails of each thread, for thread listings and thread conditions.</summary>
    public const string Thread = "mail_thread";

    /// <summary>
    /// [account][email] → <see cref="MailIndexer.IndexMarker"/> or <see cref="MailIndexer.RemoveMarker"/>: an email
    /// committed but not yet indexed, or destroyed but not yet removed from the full-text index.
    /// </summary>
    public const string FullTextPending = "mail_fts_pending";

    public static byte[] Account(ulong account)
    {
        var key = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(key, account);
        return key;
    }

    public static byte[] AccountItem(ulong account, ulong item)
    {
        var key = new byte[16];
        BinaryPrimitives.WriteUInt64BigEndian(key, account);
        BinaryPrimitives.WriteUInt64BigEndian(key.AsSpan(8), item);
        return key;
    }

    public static byte[] MailboxNameKey(ulong account, string name)
    {
        var key = new byte[8 + Encoding.UTF8.GetByteCount(name)];
        BinaryPrimitives.WriteUInt64BigEndian(key, account);
        Encoding.UTF8.GetBytes(name, key.AsSpan(8));
        return key;
    }

    public static byte[] UidKey(ulong account, ulong mailbox, uint uid)
    {
        var key = new byte[20];
        BinaryPrimitives.WriteUInt64BigEndian(key, account);
        BinaryPrimitives.WriteUInt64BigEndian(key.AsSpan(8), mailbox);
        BinaryPrimitives.WriteUInt32BigEndian(key.AsSpan(16), uid);
        return key;
    }

    public static byte[] ThreadKey(ulong account, ulong thread, ulong email)
    {
        var key = new byte[24];
        BinaryPrimitives.WriteUInt64BigEndian(key, account);
        BinaryPrimitives.WriteUInt64BigEndian(key.AsSpan(8), thread);
        BinaryPrimitives.WriteUInt64BigEndian(key.AsSpan(16), email);
        return key;
    }

    public static ulong EmailOfThreadKey(ReadOnlySpan<byte> threadKey) => BinaryPrimitives.ReadUInt64BigEndian(threadKey[16..]);

    public static uint UidOf(ReadOnlySpan<byte> uidKey) => BinaryPrimitives.ReadUInt32BigEndian(uidKey[16..]);

    /// <summary>A key of <see cref="ModSeq"/> or <see cref="Vanished"/>.</summary>
    public static byte[] ModSeqKey(ulong account, ulong mailbox, ulong modSeq, uint uid)
    {
        var key = new byte[28];
        BinaryPrimitives.WriteUInt64BigEndian(key, account);
        BinaryPrimitives.WriteUInt64BigEndian(key.AsSpan(8), mailbox);
        BinaryPrimitives.WriteUInt64BigEndian(key.AsSpan(16), modSeq);
        BinaryPrimitives.WriteUInt32BigEndian(key.AsSpan(24), uid);
        return key;
    }

    /// <summary>The first key of <see cref="ModSeq"/> or <see cref="Vanished"/> at or after a mod-sequence.</summary>
    public static byte[] ModSeqStart(ulong account, ulong mailbox, ulong modSeq)
    {
        var key = new byte[24];
        BinaryPrimitives.WriteUInt64BigEndian(key, account);
        BinaryPrimitives.WriteUInt64BigEndian(key.AsSpan(8), mailbox);
        BinaryPrimitives.WriteUInt64BigEndian(key.AsSpan(16), modSeq);
        return key;
    }

    public static ulong ModSeqOf(ReadOnlySpan<byte> modSeqKey) => BinaryPrimitives.ReadUInt64BigEndian(modSeqKey[16..]);

    public static uint UidOfModSeqKey(ReadOnlySpan<byte> modSeqKey) => BinaryPrimitives.ReadUInt32BigEndian(modSeqKey[24..]);

    public static ulong SecondOf(ReadOnlySpan<byte> key) => BinaryPrimitives.ReadUInt64BigEndian(key[8..]);

    public static ulong FirstOf(ReadOnlySpan<byte> key) => BinaryPrimitives.ReadUInt64BigEndian(key);

    public static byte[] MessageIdKey(ulong account, string messageId)
    {
        var key = new byte[24];
        BinaryPrimitives.WriteUInt64BigEndian(key, account);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(messageId), hash);
        hash[..16].CopyTo(key.AsSpan(8));
        return key;
    }

    public static byte[] BlobKey(BlobHash hash) => hash.Bytes.ToArray();

    public static byte[] PendingKey(long timeMs, BlobHash hash, ulong nonce)
    {
        var key = new byte[8 + BlobHash.Size + 8];
        BinaryPrimitives.WriteInt64BigEndian(key, timeMs);
        hash.Bytes.CopyTo(key.AsSpan(8));
        BinaryPrimitives.WriteUInt64BigEndian(key.AsSpan(8 + BlobHash.Size), nonce);
        return key;
    }

    public static byte[] PendingBefore(long timeMs)
    {
        var key = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(key, Math.Max(0, timeMs));
        return key;
    }

    public static BlobHash HashOfPendingKey(ReadOnlySpan<byte> key) => BlobHash.FromBytes(key.Slice(8, BlobHash.Size));

    public static byte[] MetadataChunkKey(BlobHash hash, int chunk)
    {
        var key = new byte[BlobHash.Size + 2];
        hash.Bytes.CopyTo(key);
        BinaryPrimitives.WriteUInt16BigEndian(key.AsSpan(BlobHash.Size), checked((ushort)chunk));
        return key;
    }
}
