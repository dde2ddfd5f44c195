using Mail.Host.Protocols;

namespace Acme.Protocol;

/// <summary>
/// Creates listeners for the protocol <c>acme-protocol</c>, configured in the manifest as
/// <c>"Listeners": { "acme": { "Protocol": "acme-protocol", "Bind": [ "127.0.0.1:7777" ], "Tls": "None",
/// "Greeting": "acme ready" } }</c>.
/// </summary>
public sealed class AcmeProtocolProvider : IProtocolProvider
{
    private static readonly string[] Settings = ["Protocol", "Bind", "Tls", "Greeting"];

    /// <inheritdoc />
    public string Protocol => "acme-protocol";

    /// <inheritdoc />
    public IEnumerable<string> Validate(ListenerContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        foreach (var setting in context.Settings.GetChildren())
        {
            if (!Settings.Contains(setting.Key, StringComparer.OrdinalIgnoreCase))
            {
                yield return $"Listeners:{context.Name}:{setting.Key} is not a setting of an {Protocol} listener; the settings are {string.Join(", ", Settings)}.";
            }
        }

        if (context.Tls != TlsMode.None)
        {
            yield return $"Listeners:{context.Name}:Tls is {context.Tls}, but {Protocol} has no TLS; set it to None.";
        }
    }

    /// <inheritdoc />
    public IProtocolListener CreateListener(ListenerContext context) => new AcmeProtocolListener(context);
}
