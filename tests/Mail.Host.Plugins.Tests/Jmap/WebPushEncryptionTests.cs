using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Mail.Host.Plugins.Jmap;
using Xunit;

namespace Mail.Host.Plugins.Tests.Jmap;

/// <summary>Message Encryption for Web Push (RFC 8291) as used for PushSubscriptions with <c>keys</c>.</summary>
public sealed class WebPushEncryptionTests
{
    // RFC 8291 §5 and Appendix A.
    private const string Plaintext = "When I grow up, I want to be a watermelon";
    private const string AuthSecret = "BTBZMqHH6r4Tts7J_aSIgg";
    private const string UaPublic = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
    private const string AsPrivate = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw";
    private const string AsPublic = "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8";
    private const string Salt = "DGv6ra1nlYgDCS1FRnbzlw";
    private const string Body =
        "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27ml" +
        "mlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPT" +
        "pK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN";

    [Fact]
    public void The_rfc_example_gives_the_exact_message()
    {
        var asPublic = Decode(AsPublic);
        using var serverKey = ECDiffieHellman.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            D = Decode(AsPrivate),
            Q = new ECPoint { X = asPublic[1..33], Y = asPublic[33..65] },
        });
        Assert.True(WebPushEncryption.TryParseKeys(new JsonObject { ["p256dh"] = UaPublic, ["auth"] = AuthSecret }, out var uaPublic, out var auth, out var error), error);

        var body = WebPushEncryption.Encrypt(Encoding.UTF8.GetBytes(Plaintext), uaPublic, auth, serverKey, Decode(Salt));

        Assert.Equal(Convert.ToHexString(Decode(Body)), Convert.ToHexString(body));
    }

    [Fact]
    public void Fresh_keys_and_salt_give_a_different_message_each_time_of_the_same_layout()
    {
        var plaintext = Encoding.UTF8.GetBytes(Plaintext);
        var first = WebPushEncryption.Encrypt(plaintext, Decode(UaPublic), Decode(AuthSecret));
        var second = WebPushEncryption.Encrypt(plaintext, Decode(UaPublic), Decode(AuthSecret));

        Assert.Equal(Decode(Body).Length, first.Length);
        Assert.NotEqual(first, second);
        Assert.Equal(Decode(Body)[16..21], first[16..21]);
        Assert.Equal(0x04, first[21]);
    }

    [Theory]
    [InlineData("""{"p256dh":"BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw8","auth":"BTBZMqHH6r4Tts7J_aSIgg"}""", "p256dh")]
    [InlineData("""{"p256dh":"BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcx","auth":"BTBZMqHH6r4Tts7J_aSIgg"}""", "p256dh")]
    [InlineData("""{"p256dh":"not base64!","auth":"BTBZMqHH6r4Tts7J_aSIgg"}""", "p256dh")]
    [InlineData("""{"p256dh":"BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4","auth":"BTBZMqHH6r4Tts7J_aSI"}""", "auth")]
    [InlineData("""{"p256dh":"BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"}""", "keys")]
    [InlineData("""{"p256dh":1,"auth":"BTBZMqHH6r4Tts7J_aSIgg"}""", "keys")]
    [InlineData("\"string\"", "keys")]
    public void Keys_that_are_not_a_P256_point_and_a_16_byte_secret_are_refused(string json, string named)
    {
        Assert.False(WebPushEncryption.TryParseKeys(JsonNode.Parse(json), out _, out _, out var error));
        Assert.Contains(named, error, StringComparison.Ordinal);
    }

    private static byte[] Decode(string base64Url)
    {
        Assert.True(WebPushEncryption.TryDecode(base64Url, out var bytes));
        return bytes;
    }
}
