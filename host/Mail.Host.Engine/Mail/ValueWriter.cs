using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Mail.Host.Engine.Mail;

/// <summary>
/// Writes the compact binary values the engine stores: unsigned LEB128 integers, zig-zag signed integers and
/// length-prefixed UTF-8 strings. Every record starts with a format version so that a later layout can still read it.
/// </summary>
internal sealed class ValueWriter
{
    private readonly ArrayBufferWriter<byte> buffer;

    public ValueWriter(int initialCapacity = 128) => buffer = new(initialCapacity);

    public int Length => buffer.WrittenCount;

    public ReadOnlySpan<byte> WrittenSpan => buffer.WrittenSpan;

    public byte[] ToArray() => buffer.WrittenSpan.ToArray();

    public void Byte(byte value)
    {
        buffer.GetSpan(1)[0] = value;
        buffer.Advance(1);
    }

    public void Bool(bool value) => Byte(value ? (byte)1 : (byte)0);

    public void UInt(ulong value)
    {
        var span = buffer.GetSpan(10);
        var i = 0;
        while (value >= 0x80)
        {
            span[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        span[i++] = (byte)value;
        buffer.Advance(i);
    }

    public void Int(long value) => UInt((ulong)((value << 1) ^ (value >> 63)));

    public void Raw(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(buffer.GetSpan(bytes.Length));
        buffer.Advance(bytes.Length);
    }

    public void Bytes(ReadOnlySpan<byte> bytes)
    {
        UInt((ulong)bytes.Length);
        Raw(bytes);
    }

    public void UInt64BigEndian(ulong value)
    {
        BinaryPrimitives.WriteUInt64BigEndian(buffer.GetSpan(8), value);
        buffer.Advance(8);
    }

    public void String(string value)
    {
        var count = Encoding.UTF8.GetByteCount(value);
        UInt((ulong)count);
        var written = Encoding.UTF8.GetBytes(value, buffer.GetSpan(count));
        buffer.Advance(written);
    }

    /// <summary>A string that may be absent: its length plus one, or zero for none.</summary>
    public void NullableString(string? value)
    {
        if (value is null)
        {
            UInt(0);
            return;
        }

        var count = Encoding.UTF8.GetByteCount(value);
        UInt((ulong)count + 1);
        var written = Encoding.UTF8.GetBytes(value, buffer.GetSpan(count));
        buffer.Advance(written);
    }

    public void Strings(IReadOnlyList<string> values)
    {
        UInt((ulong)values.Count);
        foreach (var value in values)
        {
            String(value);
        }
    }
}
