using System.Buffers.Binary;
using Mail.Host.Storage;

namespace Mail.Host.Engine.Storage;

/// <summary>
/// The keys of the full-text index in the data store. Every key starts with the account id, 8 bytes big-endian, so
/// that one prefix covers an account in every subspace and ids sort as unsigned numbers.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><c>fts_term</c>: account, term (UTF-8), 0x00, document (8 bytes) → the term's fields and positions in that
/// document. Terms never hold 0x00 (it is neither a letter nor a digit), so the separator ends the term: a scan of
/// account + term + 0x00 reads exactly that term's documents in id order, and a scan of account + prefix reads every
/// term that starts with the prefix.</item>
/// <item><c>fts_doc</c>: account, document, chunk number (2 bytes) → part of the list of the document's distinct
/// terms, which is what lets re-indexing and removal delete exactly the document's postings.</item>
/// <item><c>fts_acct</c>: account, document → a 10-byte marker. It lists the account's documents for Not and an
/// empty And without reading the term lists, and it is the key every write of a document asserts on, so two writers
/// of the same document cannot interleave their postings.</item>
/// </list>
/// </remarks>
internal static class FullTextKeys
{
    /// <summary>The postings subspace.</summary>
    public const string Terms = "fts_term";

    /// <summary>The per-document term lists subspace.</summary>
    public const string DocumentTerms = "fts_doc";

    /// <summary>The per-account document markers subspace.</summary>
    public const string Documents = "fts_acct";

    /// <summary>Every subspace the index writes, in the order an account's removal clears them.</summary>
    public static readonly IReadOnlyList<string> All = [Documents, Terms, DocumentTerms];

    /// <summary>The longest posting key: account, the longest term, separator, document.</summary>
    public const int MaxTermKeyLength = 8 + TextTokenizer.MaxTermUtf8Length + 1 + 8;

    /// <summary>The prefix of everything an account owns in any subspace.</summary>
    /// <param name="accountId">The account.</param>
    /// <returns>8 bytes.</returns>
    public static byte[] Account(ulong accountId)
    {
        var key = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(key, accountId);
        return key;
    }

    /// <summary>The prefix of a term's postings, or, when <paramref name="exact"/> is false, of every term starting with it.</summary>
    /// <param name="accountId">The account.</param>
    /// <param name="term">The term in UTF-8.</param>
    /// <param name="exact">Whether to end the prefix with the separator, so that only this term matches.</param>
    /// <returns>The prefix.</returns>
    public static byte[] TermPrefix(ulong accountId, ReadOnlySpan<byte> term, bool exact)
    {
        var key = new byte[8 + term.Length + (exact ? 1 : 0)];
        BinaryPrimitives.WriteUInt64BigEndian(key, accountId);
        term.CopyTo(key.AsSpan(8));
        return key;
    }

    /// <summary>The key of one term's posting in one document.</summary>
    /// <param name="accountId">The account.</param>
    /// <param name="term">The term in UTF-8.</param>
    /// <param name="documentId">The document.</param>
    /// <returns>The key.</returns>
    public static byte[] Posting(ulong accountId, ReadOnlySpan<byte> term, ulong documentId)
    {
        var key = new byte[8 + term.Length + 1 + 8];
        BinaryPrimitives.WriteUInt64BigEndian(key, accountId);
        term.CopyTo(key.AsSpan(8));
        BinaryPrimitives.WriteUInt64BigEndian(key.AsSpan(key.Length - 8), documentId);
        return key;
    }

    /// <summary>The document a posting key belongs to: its last 8 bytes, whatever the term's length.</summary>
    /// <param name="key">A <see cref="Terms"/> key.</param>
    /// <returns>The document id.</returns>
    public static ulong PostingDocument(ReadOnlySpan<byte> key) => BinaryPrimitives.ReadUInt64BigEndian(key[^8..]);

    /// <summary>The key of a document's marker.</summary>
    /// <param name="accountId">The account.</param>
    /// <param name="documentId">The document.</param>
    /// <returns>16 bytes.</returns>
    public static byte[] Document(ulong accountId, ulong documentId)
    {
        var key = new byte[16];
        BinaryPrimitives.WriteUInt64BigEndian(key, accountId);
        BinaryPrimitives.WriteUInt64BigEndian(key.AsSpan(8), documentId);
        return key;
    }

    /// <summary>The document a marker or term-list key belongs to.</summary>
    /// <param name="key">A <see cref="Documents"/> or <see cref="DocumentTerms"/> key.</param>
    /// <returns>The document id.</returns>
    public static ulong DocumentOf(ReadOnlySpan<byte> key) => BinaryPrimitives.ReadUInt64BigEndian(key[8..16]);

    /// <summary>The key of one chunk of a document's term list.</summary>
    /// <param name="accountId">The account.</param>
    /// <param name="documentId">The document.</param>
    /// <param name="chunk">The chunk number, from 0.</param>
    /// <returns>18 bytes.</returns>
    public static byte[] TermListChunk(ulong accountId, ulong documentId, int chunk)
    {
        var key = new byte[18];
        BinaryPrimitives.WriteUInt64BigEndian(key, accountId);
        BinaryPrimitives.WriteUInt64BigEndian(key.AsSpan(8), documentId);
        BinaryPrimitives.WriteUInt16BigEndian(key.AsSpan(16), checked((ushort)chunk));
        return key;
    }

    /// <summary>The range of keys strictly after <paramref name="key"/> that still start with <paramref name="prefix"/>.</summary>
    /// <param name="key">The last key seen.</param>
    /// <param name="prefix">The prefix being walked.</param>
    /// <param name="limit">The most entries to read.</param>
    /// <returns>The range.</returns>
    public static KeyRange After(ReadOnlySpan<byte> key, ReadOnlySpan<byte> prefix, int limit)
    {
        // Appending 0x00 gives the smallest key greater than the one seen.
        var start = new byte[key.Length + 1];
        key.CopyTo(start);
        return new KeyRange(start, KeyRange.PrefixEnd(prefix), limit: limit);
    }
}
