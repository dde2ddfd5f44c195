using System.Buffers.Binary;
using System.Text;
using Mail.Host.Storage;
using Xunit;

namespace Mail.Host.Engine.Tests;

/// <summary>Reads the full-text index's keys straight from the data store, to check what the index left behind.</summary>
internal static class FullTextIndexInspector
{
    public const string Terms = "fts_term";
    public const string DocumentTerms = "fts_doc";
    public const string Documents = "fts_acct";

    public static readonly string[] Subspaces = [Terms, DocumentTerms, Documents];

    /// <summary>The terms that have a posting for the document.</summary>
    public static async Task<SortedSet<string>> PostedTermsAsync(IDataStore store, ulong accountId, ulong documentId)
    {
        var terms = new SortedSet<string>(StringComparer.Ordinal);
        await foreach (var entry in store.ScanAsync(Terms, KeyRange.Prefix(AccountPrefix(accountId))))
        {
            if (BinaryPrimitives.ReadUInt64BigEndian(entry.Key.AsSpan(entry.Key.Length - 8)) == documentId)
            {
                Assert.Equal(0, entry.Key[^9]);
                Assert.True(terms.Add(Encoding.UTF8.GetString(entry.Key.AsSpan(8, entry.Key.Length - 17))));
            }
        }

        return terms;
    }

    /// <summary>The terms the document's term list names.</summary>
    public static async Task<SortedSet<string>> ListedTermsAsync(IDataStore store, ulong accountId, ulong documentId)
    {
        var terms = new SortedSet<string>(StringComparer.Ordinal);
        await foreach (var entry in store.ScanAsync(DocumentTerms, KeyRange.Prefix(DocumentPrefix(accountId, documentId))))
        {
            var chunk = entry.Value.AsSpan();
            while (!chunk.IsEmpty)
            {
                var length = 0;
                var shift = 0;
                byte b;
                do
                {
                    b = chunk[0];
                    chunk = chunk[1..];
                    length |= (b & 0x7F) << shift;
                    shift += 7;
                }
                while (b >= 0x80);

                Assert.True(terms.Add(Encoding.UTF8.GetString(chunk[..length])));
                chunk = chunk[length..];
            }
        }

        return terms;
    }

    /// <summary>The document's marker, or null.</summary>
    public static async Task<byte[]?> MarkerAsync(IDataStore store, ulong accountId, ulong documentId)
        => await store.GetAsync(Documents, DocumentPrefix(accountId, documentId));

    /// <summary>How many keys of the account a subspace holds.</summary>
    public static async Task<int> CountKeysAsync(IDataStore store, string subspace, ulong accountId)
    {
        var count = 0;
        await foreach (var entry in store.ScanAsync(subspace, KeyRange.All()))
        {
            if (entry.Key.AsSpan(0, 8).SequenceEqual(AccountPrefix(accountId)))
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>Every value in every full-text subspace, for size checks.</summary>
    public static async Task<List<KeyValueEntry>> AllEntriesAsync(IDataStore store)
    {
        var entries = new List<KeyValueEntry>();
        foreach (var subspace in Subspaces)
        {
            await foreach (var entry in store.ScanAsync(subspace, KeyRange.All()))
            {
                entries.Add(entry);
            }
        }

        return entries;
    }

    private static byte[] AccountPrefix(ulong accountId)
    {
        var prefix = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(prefix, accountId);
        return prefix;
    }

    private static byte[] DocumentPrefix(ulong accountId, ulong documentId)
    {
        var prefix = new byte[16];
        BinaryPrimitives.WriteUInt64BigEndian(prefix, accountId);
        BinaryPrimitives.WriteUInt64BigEndian(prefix.AsSpan(8), documentId);
        return prefix;
    }
}
