using System.Buffers.Binary;
using System.Text;

namespace Mail.Host.Engine.Mail;

/// <summary>Reads what <see cref="ValueWriter"/> wrote; a truncated or corrupt value throws <see cref="FormatException"/>.</summary>
internal ref struct ValueReader(ReadOnlySpan<byte> source)
{
    private readonly ReadOnlySpan<byte> source = source;
    private int position;

    public readonly bool End => position >= source.Length;

    public byte Byte()
    {
        if (position >= source.Length)
        {
            throw Truncated();
        }

        return source[position++];
    }

    public bool Bool() => Byte() != 0;

    public ulong UInt()
    {
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = Byte();
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return result;
            }
        }

        throw new FormatException("A stored integer is longer than 64 bits.");
    }

    public long Int()
    {
        var raw = UInt();
        return (long)(raw >> 1) ^ -(long)(raw & 1);
    }

    public int Count()
    {
        var value = UInt();
        if (value > (ulong)(source.Length - position) && value > 0)
        {
            // No element takes less than one byte, so a count beyond the remaining bytes is corrupt.
            throw Truncated();
        }

        return (int)value;
    }

    public ReadOnlySpan<byte> Raw(int length)
    {
        if (length < 0 || length > source.Length - position)
        {
            throw Truncated();
        }

        var span = source.Slice(position, length);
        position += length;
        return span;
    }

    public ReadOnlySpan<byte> Bytes() => Raw(Count());

    public ulong UInt64BigEndian() => BinaryPrimitives.ReadUInt64BigEndian(Raw(8));

    public string String() => Encoding.UTF8.GetString(Raw(Count()));

    public string? NullableString()
    {
        var value = UInt();
        if (value == 0)
        {
            return null;
        }

        return Encoding.UTF8.GetString(Raw(checked((int)(value - 1))));
    }

    public string[] Strings()
    {
        var count = Count();
        var values = count == 0 ? [] : new string[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = String();
        }

        return values;
    }

    private static FormatException Truncated() => new("A stored value is truncated or corrupt.");
}
