using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Mail.Host.Storage;

namespace Mail.Host.Engine.Storage;

/// <summary>
/// The values of the full-text index: postings (fields and word positions), term lists and document markers, and the
/// small integers (field ids) they are made of.
/// </summary>
/// <remarks>
/// <para>
/// A posting value is a sequence of fields, each: field id (varint), byte length of its positions (varint), then the
/// positions ascending, as varint gaps from the previous one (the first from zero). The byte length lets a query that
/// only asks whether a field holds the word skip the positions of every other field.
/// </para>
/// <para>
/// Field ids: the names in <see cref="FullTextFieldNames"/> get 1 to 7 (one byte). Any other name gets the first
/// 8 bytes of its SHA-256 with the top bit set (ten bytes as a varint), so it can never equal a fixed id. That
/// makes the mapping a pure function: no dictionary to read on every query, and no allocation to coordinate between
/// writers on every index call. Names are never read back, only compared, so a 64-bit hash is enough; the engine
/// itself only uses the fixed names.
/// </para>
/// </remarks>
internal static class FullTextCodec
{
    /// <summary>The marker of a document whose postings and term list are complete.</summary>
    public const byte Complete = 1;

    /// <summary>The marker of a document being written or removed; its term list covers every posting it may have.</summary>
    public const byte InProgress = 2;

    /// <summary>The length of a marker value: format version, state, 8-byte token.</summary>
    public const int MarkerLength = 10;

    private const byte FormatVersion = 1;

    private const ulong HashedFieldBit = 1UL << 63;

    /// <summary>The id a field name is stored under.</summary>
    /// <param name="name">The field name, compared ordinally.</param>
    /// <returns>The id.</returns>
    public static ulong FieldId(string? name) => name switch
    {
        FullTextFieldNames.From => 1,
        FullTextFieldNames.To => 2,
        FullTextFieldNames.Cc => 3,
        FullTextFieldNames.Bcc => 4,
        FullTextFieldNames.Subject => 5,
        FullTextFieldNames.Body => 6,
        FullTextFieldNames.Attachment => 7,
        _ => HashedFieldId(name ?? string.Empty),
    };

    /// <summary>A new marker with a fresh random token, so that no two writes of a document leave the same bytes.</summary>
    /// <param name="state"><see cref="Complete"/> or <see cref="InProgress"/>.</param>
    /// <returns>The marker value.</returns>
    public static byte[] NewMarker(byte state)
    {
        var marker = new byte[MarkerLength];
        marker[0] = FormatVersion;
        marker[1] = state;
        RandomNumberGenerator.Fill(marker.AsSpan(2));
        return marker;
    }

    /// <summary>Encodes one term's postings in a document, dropping the positions that do not fit.</summary>
    /// <param name="fields">The fields the term occurs in, each with its ascending positions.</param>
    /// <param name="budget">The most bytes the value may take.</param>
    /// <returns>The value.</returns>
    /// <remarks>
    /// A word repeated tens of thousands of times in one body would otherwise outgrow a store's value limit. Keeping
    /// the first positions still finds the word in every field, and phrases in all but the far end of such a field.
    /// </remarks>
    public static byte[] EncodePosting(IReadOnlyList<(ulong Field, List<int> Positions)> fields, int budget)
    {
        var buffer = new List<byte>(16);
        Span<byte> scratch = stackalloc byte[10];
        foreach (var (field, positions) in fields)
        {
            var idLength = WriteVarint(scratch, field);
            var room = budget - buffer.Count - idLength - VarintLength((ulong)budget);
            var length = 0;
            var count = 0;
            var previous = 0;
            foreach (var position in positions)
            {
                var size = VarintLength((ulong)(position - previous));
                if (length + size > room)
                {
                    break;
                }

                length += size;
                count++;
                previous = position;
            }

            if (count == 0)
            {
                continue;
            }

            buffer.AddRange(scratch[..idLength]);
            buffer.AddRange(scratch[..WriteVarint(scratch, (ulong)length)]);
            previous = 0;
            for (var i = 0; i < count; i++)
            {
                buffer.AddRange(scratch[..WriteVarint(scratch, (ulong)(positions[i] - previous))]);
                previous = positions[i];
            }
        }

        return [.. buffer];
    }

    /// <summary>Tells whether a posting holds the field.</summary>
    /// <param name="posting">The posting value.</param>
    /// <param name="field">The field id.</param>
    /// <returns><see langword="true"/> when the term occurs in that field.</returns>
    public static bool HasField(ReadOnlySpan<byte> posting, ulong field)
    {
        while (!posting.IsEmpty)
        {
            var id = ReadVarint(ref posting);
            var length = checked((int)ReadVarint(ref posting));
            if (id == field)
            {
                return true;
            }

            posting = posting[length..];
        }

        return false;
    }

    /// <summary>Decodes a posting's fields and positions.</summary>
    /// <param name="posting">The posting value.</param>
    /// <param name="onlyField">A field id to keep alone, or <see langword="null"/> for every field.</param>
    /// <returns>The fields with their ascending positions.</returns>
    public static List<(ulong Field, int[] Positions)> DecodePosting(ReadOnlySpan<byte> posting, ulong? onlyField)
    {
        var result = new List<(ulong Field, int[] Positions)>(1);
        var positions = new List<int>();
        while (!posting.IsEmpty)
        {
            var id = ReadVarint(ref posting);
            var length = checked((int)ReadVarint(ref posting));
            var block = posting[..length];
            posting = posting[length..];
            if (onlyField is { } wanted && id != wanted)
            {
                continue;
            }

            positions.Clear();
            var position = 0;
            while (!block.IsEmpty)
            {
                position = checked(position + (int)ReadVarint(ref block));
                positions.Add(position);
            }

            result.Add((id, [.. positions]));
        }

        return result;
    }

    /// <summary>The size one term takes in a term list.</summary>
    /// <param name="utf8Length">The term's length in UTF-8 bytes.</param>
    /// <returns>The bytes it takes.</returns>
    public static int TermListEntryLength(int utf8Length) => VarintLength((ulong)utf8Length) + utf8Length;

    /// <summary>Packs terms into term-list chunks of at most <paramref name="chunkLimit"/> bytes; no term is split.</summary>
    /// <param name="terms">The terms in UTF-8.</param>
    /// <param name="chunkLimit">The most bytes a chunk may take; at least one entry's worth.</param>
    /// <returns>The chunks; none for no terms.</returns>
    public static List<byte[]> EncodeTermList(IEnumerable<byte[]> terms, int chunkLimit)
    {
        var chunks = new List<byte[]>();
        var current = new List<byte>();
        Span<byte> scratch = stackalloc byte[10];
        foreach (var term in terms)
        {
            if (current.Count + TermListEntryLength(term.Length) > chunkLimit)
            {
                chunks.Add([.. current]);
                current.Clear();
            }

            current.AddRange(scratch[..WriteVarint(scratch, (ulong)term.Length)]);
            current.AddRange(term);
        }

        if (current.Count > 0)
        {
            chunks.Add([.. current]);
        }

        return chunks;
    }

    /// <summary>Reads the terms of one term-list chunk.</summary>
    /// <param name="chunk">The chunk value.</param>
    /// <param name="terms">Receives the terms.</param>
    public static void DecodeTermList(ReadOnlySpan<byte> chunk, List<string> terms)
    {
        while (!chunk.IsEmpty)
        {
            var length = checked((int)ReadVarint(ref chunk));
            terms.Add(Encoding.UTF8.GetString(chunk[..length]));
            chunk = chunk[length..];
        }
    }

    private static ulong HashedFieldId(string name)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(name), hash);
        return BinaryPrimitives.ReadUInt64BigEndian(hash) | HashedFieldBit;
    }

    private static int VarintLength(ulong value)
    {
        var length = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            length++;
        }

        return length;
    }

    private static int WriteVarint(Span<byte> destination, ulong value)
    {
        var i = 0;
        while (value >= 0x80)
        {
            destination[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        destination[i++] = (byte)value;
        return i;
    }

    private static ulong ReadVarint(ref ReadOnlySpan<byte> source)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = source[0];
            source = source[1..];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }

        throw new InvalidDataException("A full-text index value holds a malformed number.");
    }
}
