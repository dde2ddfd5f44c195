using DnsClient;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;

namespace Mail.Host.Outbound;

/// <summary>Finds DKIM public keys (<c>SELECTOR._domainkey.DOMAIN</c> TXT) through DnsClient, for MimeKit's ARC verifier.</summary>
internal sealed class DnsDkimKeyLocator(ILookupClient dns) : DkimPublicKeyLocatorBase
{
    public override AsymmetricKeyParameter LocatePublicKey(string methods, string domain, string selector, CancellationToken cancellationToken = default)
        => throw new NotSupportedException("keys are only looked up asynchronously");

    public override async Task<AsymmetricKeyParameter> LocatePublicKeyAsync(string methods, string domain, string selector, CancellationToken cancellationToken = default)
    {
        if (!methods.Split(':').Contains("dns/txt", StringComparer.OrdinalIgnoreCase))
        {
            throw new NotSupportedException($"DKIM key query method '{methods}' is not supported");
        }

        var name = $"{selector}._domainkey.{domain}";
        var response = await dns.QueryAsync(name, QueryType.TXT, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (response.HasError)
        {
            throw new DnsResponseException(
                response.Header.ResponseCode == DnsHeaderResponseCode.NotExistentDomain ? DnsResponseCode.NotExistentDomain : DnsResponseCode.ServerFailure,
                $"no DKIM key {name}: {response.ErrorMessage}");
        }

        var record = response.Answers.TxtRecords().Select(r => string.Concat(r.Text)).FirstOrDefault()
            ?? throw new DnsResponseException(DnsResponseCode.NotExistentDomain, $"no DKIM key {name}");
        return GetPublicKey(record);
    }
}
