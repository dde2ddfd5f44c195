using System.Buffers.Binary;

namespace Mail.Host.Storage;

/// <summary>The encoding of counters in a data store: an 8-byte little-endian signed integer.</summary>
public static class Counter
{
    /// <summary>The size of an encoded counter.</summary>
    public const int Size = sizeof(long);

    /// <summary>Encodes a counter value.</summary>
    /// <param name="value">The value.</param>
    /// <returns>Its 8 bytes.</returns>
    public static byte[] Encode(long value)
    {
        var bytes = new byte[Size];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, value);
        return bytes;
    }

    /// <summary>Decodes a stored counter; an absent value is zero.</summary>
    /// <param name="value">The stored bytes, or <see langword="null"/>.</param>
    /// <returns>The counter value.</returns>
    /// <exception cref="FormatException">The value is not 8 bytes long.</exception>
    public static long Decode(ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty)
        {
            return 0;
        }

        if (value.Length != Size)
        {
            throw new FormatException($"A counter is {Size} bytes; this value is {value.Length}.");
        }

        return BinaryPrimitives.ReadInt64LittleEndian(value);
    }
}
