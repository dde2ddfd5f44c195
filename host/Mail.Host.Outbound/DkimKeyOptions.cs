namespace Mail.Host.Outbound;

/// <summary>A DKIM signing key from the manifest (<c>Outbound:Dkim:DOMAIN</c>).</summary>
/// <param name="Domain">The signing domain (<c>d=</c>).</param>
/// <param name="Selector">The selector (<c>s=</c>): the key's TXT record is <c>SELECTOR._domainkey.DOMAIN</c>.</param>
/// <param name="KeyPath">The PEM private key file, RSA or Ed25519.</param>
public sealed record DkimKeyOptions(string Domain, string Selector, string KeyPath)
{
    /// <summary>Whether relayed mail is ARC-sealed (RFC 8617) with this key (<c>Outbound:Dkim:DOMAIN:Arc</c>, default true).</summary>
    public bool Arc { get; init; } = true;
}
