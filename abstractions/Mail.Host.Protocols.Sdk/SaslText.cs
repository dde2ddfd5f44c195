using System.Text;

namespace Mail.Host.Protocols.Sdk;

/// <summary>The base64 client responses of SASL exchanges (RFC 4422), shared by AUTH and AUTHENTICATE.</summary>
public static class SaslText
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Decodes a base64 response that must hold UTF-8 text.</summary>
    /// <param name="base64">The response as the client sent it.</param>
    /// <returns>The text, or null when the response is not base64 or not UTF-8.</returns>
    public static string? DecodeUtf8(string base64)
    {
        try
        {
            return StrictUtf8.GetString(Convert.FromBase64String(base64));
        }
        catch (Exception ex) when (ex is FormatException or DecoderFallbackException)
        {
            return null;
        }
    }
}
