using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Mail.Host.Outbound;

/// <summary>
/// Whether a remote server's certificate is trusted: by the system's roots, or else by the extra certificate
/// authorities the manifest names (<c>Outbound:TrustedCaFiles</c>, PEM), for MTA-STS policy fetches and for SMTP
/// connections whose certificate must be verified (MTA-STS enforce, REQUIRETLS, a relay). A name mismatch is never
/// forgiven.
/// </summary>
internal sealed class TlsTrust
{
    private readonly X509Certificate2Collection anchors = [];

    public TlsTrust(IEnumerable<string> caFiles)
    {
        foreach (var file in caFiles)
        {
            anchors.ImportFromPemFile(file);
        }
    }

    /// <summary>True when the certificate is valid for the name asked for and chains to a trusted root.</summary>
    public bool IsTrusted(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }

        if (anchors.Count == 0 || errors != SslPolicyErrors.RemoteCertificateChainErrors || certificate is null)
        {
            return false;
        }

        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(anchors);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain is not null)
        {
            foreach (var element in chain.ChainElements)
            {
                custom.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        return custom.Build(leaf);
    }
}
