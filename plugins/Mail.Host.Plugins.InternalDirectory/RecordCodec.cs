using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Mail.Host.Plugins.InternalDirectory;

/// <summary>
/// Stored values: one format-version byte, then UTF-8 JSON. The byte lets a later version change the layout and
/// still read what this one wrote, and lets this one refuse what it cannot read instead of misreading it.
/// </summary>
internal static class RecordCodec
{
    /// <summary>The format this version writes and reads.</summary>
    public const byte FormatVersion = 1;

    /// <summary>Encodes a principal record.</summary>
    /// <param name="record">The record.</param>
    /// <returns>The stored value.</returns>
    public static byte[] Encode(PrincipalRecord record) => Encode(record, DirectoryJsonContext.Default.PrincipalRecord);

    /// <summary>Encodes a domain record.</summary>
    /// <param name="record">The record.</param>
    /// <returns>The stored value.</returns>
    public static byte[] Encode(DomainRecord record) => Encode(record, DirectoryJsonContext.Default.DomainRecord);

    /// <summary>Decodes a principal record.</summary>
    /// <param name="value">The stored value.</param>
    /// <returns>The record.</returns>
    /// <exception cref="InvalidDataException">The value is not a record this version can read.</exception>
    public static PrincipalRecord DecodePrincipal(byte[] value) => Decode(value, DirectoryJsonContext.Default.PrincipalRecord, "principal");

    /// <summary>Decodes a domain record.</summary>
    /// <param name="value">The stored value.</param>
    /// <returns>The record.</returns>
    /// <exception cref="InvalidDataException">The value is not a record this version can read.</exception>
    public static DomainRecord DecodeDomain(byte[] value) => Decode(value, DirectoryJsonContext.Default.DomainRecord, "domain");

    private static byte[] Encode<T>(T record, JsonTypeInfo<T> typeInfo)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(record, typeInfo);
        var value = new byte[json.Length + 1];
        value[0] = FormatVersion;
        json.CopyTo(value, 1);
        return value;
    }

    private static T Decode<T>(byte[] value, JsonTypeInfo<T> typeInfo, string what)
        where T : class
    {
        if (value.Length == 0 || value[0] != FormatVersion)
        {
            throw new InvalidDataException(value.Length == 0
                ? $"A stored {what} record of the internal directory is empty."
                : $"A stored {what} record of the internal directory has format version {value[0]}; this plugin reads version {FormatVersion}. Install the plugin version that wrote it.");
        }

        try
        {
            return JsonSerializer.Deserialize(value.AsSpan(1), typeInfo)
                ?? throw new InvalidDataException($"A stored {what} record of the internal directory is null.");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"A stored {what} record of the internal directory cannot be read: {ex.Message}", ex);
        }
    }
}
