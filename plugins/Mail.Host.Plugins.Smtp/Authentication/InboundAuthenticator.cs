using System.Net;
using System.Text;
using DnsClient;
using MimeKit;
using MimeKit.Cryptography;

namespace Mail.Host.Plugins.Smtp.Authentication;

/// <summary>
/// Checks a message received from another server: SPF of the MAIL FROM (or HELO) domain for the client's address,
/// every DKIM signature (MimeKit's DkimVerifier), DMARC (RFC 7489: alignment of the passing SPF domain or DKIM
/// <c>d=</c> with the From domain, relaxed or strict as the domain publishes, and its policy) and the ARC chain (MimeKit's
/// ArcVerifier), all written into one Authentication-Results header (RFC 8601). The organizational domain is the last
/// two labels of a name (no public suffix list is shipped).
/// </summary>
internal sealed class InboundAuthenticator
{
    private const int MaxSignatures = 5;
    private readonly ILookupClient dns;
    private readonly SpfEvaluator spf;
    private readonly DkimVerifier dkim;
    private readonly ArcVerifier arc;
    private readonly string hostname;

    public InboundAuthenticator(IReadOnlyList<IPEndPoint> servers, string hostname)
    {
        var options = servers.Count > 0 ? new LookupClientOptions([.. servers]) : new LookupClientOptions();
        options.Timeout = TimeSpan.FromSeconds(5);
        options.Retries = 1;
        options.ThrowDnsErrors = false;
        options.UseCache = true;

        // Negative answers are cached too (RFC 2308), briefly: a sending domain without SPF or DMARC records is
        // otherwise asked about again for every message it sends.
        options.CacheFailedResults = true;
        options.FailedResultsCacheDuration = TimeSpan.FromSeconds(30);
        options.UseTcpFallback = true;
        dns = new LookupClient(options);
        spf = new SpfEvaluator(dns);
        var locator = new DnsDkimKeyLocator(dns);
        dkim = new DkimVerifier(locator);
        arc = new ArcVerifier(locator);
        this.hostname = hostname;
    }

    public async Task<AuthenticationOutcome> CheckAsync(IPAddress client, string helo, string mailFrom, Stream message, CancellationToken cancellationToken)
    {
        var parts = new List<string>();

        // SPF: the MAIL FROM domain, or the HELO name for the null sender (RFC 7208 section 2.4).
        var spfDomain = mailFrom.Length > 0 && mailFrom.LastIndexOf('@') is var at and >= 0 ? mailFrom[(at + 1)..] : helo;
        var (spfResult, spfWhy) = await spf.CheckAsync(client, spfDomain, mailFrom.Length > 0 ? mailFrom : "postmaster@" + helo, helo, cancellationToken).ConfigureAwait(false);
        parts.Add($"spf={Name(spfResult)} ({Comment(spfWhy)}; client {client}) smtp.{(mailFrom.Length > 0 ? "mailfrom" : "helo")}={spfDomain}");

        // Most mail carries no DKIM or ARC signature; then the header alone answers everything, and the body is not parsed.
        var start = message.CanSeek ? message.Position : 0;
        HeaderList headers;
        MimeMessage? parsed = null;
        try
        {
            headers = await HeaderList.LoadAsync(ParserOptions.Default, message, cancellationToken).ConfigureAwait(false);
            if (message.CanSeek && (headers.Contains(HeaderId.DkimSignature) || headers.Contains(HeaderId.ArcSeal)))
            {
                message.Position = start;
                parsed = await MimeMessage.LoadAsync(message, cancellationToken).ConfigureAwait(false);
                headers = parsed.Headers;
            }
        }
        catch (FormatException)
        {
            parts.Add("dkim=none (the message could not be parsed)");
            parts.Add("dmarc=none");
            return new AuthenticationOutcome(Render(parts), "none", "none", null);
        }

        using var disposeParsed = parsed;
        // DKIM: every signature, at most a few.
        var passingDomains = new List<string>();
        var signatures = parsed is null ? [] : parsed.Headers.Where(h => h.Id == HeaderId.DkimSignature).Take(MaxSignatures).ToList();
        if (signatures.Count == 0)
        {
            parts.Add("dkim=none");
        }

        foreach (var signature in signatures)
        {
            var tags = Tags(signature.Value);
            var d = tags.GetValueOrDefault("d", "?");
            var s = tags.GetValueOrDefault("s", "?");
            string result;
            try
            {
                result = await dkim.VerifyAsync(parsed!, signature, cancellationToken).ConfigureAwait(false) ? "pass" : "fail";
            }
            catch (DnsResponseException ex) when (ex.Code != DnsResponseCode.NotExistentDomain)
            {
                result = "temperror";
            }
            catch (Exception ex) when (ex is not (OperationCanceledException or OutOfMemoryException))
            {
                // A malformed signature or key record (MimeKit and BouncyCastle throw several kinds).
                result = "permerror";
            }

            if (result == "pass")
            {
                passingDomains.Add(d);
            }

            parts.Add($"dkim={result} header.d={d} header.s={s}");
        }

        // DMARC.
        var fromMailboxes = FromMailboxes(headers);
        var fromDomain = fromMailboxes.Count == 1 && fromMailboxes[0].Address.LastIndexOf('@') is var fromAt and > 0 ? fromMailboxes[0].Address[(fromAt + 1)..].ToLowerInvariant() : null;
        var dmarc = "none";
        var policy = "none";
        if (fromDomain is null)
        {
            dmarc = "permerror";
            parts.Add("dmarc=permerror (not exactly one From address)");
        }
        else
        {
            var (record, lookupFailed) = await DmarcRecordAsync(fromDomain, cancellationToken).ConfigureAwait(false);
            if (lookupFailed)
            {
                dmarc = "temperror";
                parts.Add($"dmarc=temperror header.from={fromDomain}");
            }
            else if (record is null)
            {
                parts.Add($"dmarc=none header.from={fromDomain}");
            }
            else
            {
                var tags = record.Value.Tags;
                var strictDkim = tags.GetValueOrDefault("adkim", "r").Equals("s", StringComparison.OrdinalIgnoreCase);
                var strictSpf = tags.GetValueOrDefault("aspf", "r").Equals("s", StringComparison.OrdinalIgnoreCase);
                var spfAligned = spfResult == SpfResult.Pass && mailFrom.Length > 0 && Aligned(spfDomain, fromDomain, strictSpf);
                var dkimAligned = passingDomains.Any(d => Aligned(d, fromDomain, strictDkim));
                dmarc = spfAligned || dkimAligned ? "pass" : "fail";
                policy = (record.Value.Inherited && tags.TryGetValue("sp", out var sp) ? sp : tags.GetValueOrDefault("p", "none")).ToLowerInvariant();
                if (policy is not ("none" or "quarantine" or "reject"))
                {
                    policy = "none";
                }

                parts.Add($"dmarc={dmarc} (p={policy} dis={(dmarc == "pass" ? "none" : policy)}) header.from={fromDomain}");
            }
        }

        // ARC.
        try
        {
            var chain = parsed is null ? ArcSignatureValidationResult.None : (await arc.VerifyAsync(parsed, cancellationToken).ConfigureAwait(false)).Chain;
            parts.Add("arc=" + chain switch
            {
                ArcSignatureValidationResult.Pass => "pass",
                ArcSignatureValidationResult.Fail => "fail",
                _ => "none",
            });
        }
        catch (Exception ex) when (ex is not (OperationCanceledException or OutOfMemoryException))
        {
            parts.Add("arc=fail (the chain could not be checked)");
        }

        return new AuthenticationOutcome(Render(parts), dmarc, policy, fromDomain);
    }

    /// <summary>The mailboxes of every From field, as MimeKit's <see cref="MimeMessage.From"/> gathers them.</summary>
    private static List<MailboxAddress> FromMailboxes(HeaderList headers)
    {
        var mailboxes = new List<MailboxAddress>();
        foreach (var header in headers)
        {
            if (header.Id == HeaderId.From && InternetAddressList.TryParse(ParserOptions.Default, header.RawValue, out var list))
            {
                mailboxes.AddRange(list.Mailboxes);
            }
        }

        return mailboxes;
    }

    private async Task<((Dictionary<string, string> Tags, bool Inherited)? Record, bool Failed)> DmarcRecordAsync(string domain, CancellationToken cancellationToken)
    {
        var organization = OrganizationalDomain(domain);
        foreach (var (name, inherited) in organization == domain ? [(domain, false)] : new[] { (domain, false), (organization, true) })
        {
            var response = await dns.QueryAsync("_dmarc." + name, QueryType.TXT, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (response.HasError && response.Header.ResponseCode != DnsHeaderResponseCode.NotExistentDomain)
            {
                return (null, true);
            }

            var record = response.Answers.TxtRecords().Select(r => string.Concat(r.Text)).FirstOrDefault(t => t.StartsWith("v=DMARC1", StringComparison.OrdinalIgnoreCase));
            if (record is not null)
            {
                return ((Tags(record), inherited), false);
            }
        }

        return (null, false);
    }

    private static bool Aligned(string authenticated, string from, bool strict)
        => strict
            ? string.Equals(authenticated.TrimEnd('.'), from, StringComparison.OrdinalIgnoreCase)
            : string.Equals(OrganizationalDomain(authenticated.TrimEnd('.').ToLowerInvariant()), OrganizationalDomain(from), StringComparison.OrdinalIgnoreCase);

    private static string OrganizationalDomain(string domain)
    {
        var labels = domain.Split('.', StringSplitOptions.RemoveEmptyEntries);
        return labels.Length <= 2 ? domain : string.Join('.', labels[^2..]);
    }

    private static Dictionary<string, string> Tags(string value)
    {
        var tags = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var item in value.Split(';'))
        {
            var equals = item.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                tags[item[..equals].Trim()] = new string(item[(equals + 1)..].Where(c => !char.IsWhiteSpace(c)).ToArray());
            }
        }

        return tags;
    }

    private static string Name(SpfResult result) => result.ToString().ToLowerInvariant();

    private static string Comment(string text) => text.Replace('(', '[').Replace(')', ']').ReplaceLineEndings(" ");

    private string Render(List<string> parts)
    {
        var builder = new StringBuilder("Authentication-Results: ").Append(hostname);
        foreach (var part in parts)
        {
            builder.Append(";\r\n\t").Append(part);
        }

        return builder.Append("\r\n").ToString();
    }
}
