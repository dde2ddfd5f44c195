using System.Net;
using DnsClient;
using DnsClient.Protocol;

namespace Mail.Host.Outbound;

/// <summary>
/// Where mail for a domain goes (RFC 5321 section 5.1): its MX hosts by preference (equal preferences shuffled), or
/// the domain itself when it has no MX; each host's IPv4 then IPv6 addresses. A name that does not exist or a null MX
/// (RFC 7505) is permanent; a server failure or a timeout is temporary.
/// </summary>
internal sealed class OutboundDns
{
    private readonly LookupClient client;

    public OutboundDns(OutboundOptions options)
    {
        var lookup = options.DnsServers.Count > 0 ? new LookupClientOptions([.. options.DnsServers]) : new LookupClientOptions();
        lookup.Timeout = options.DnsTimeout;
        lookup.Retries = 1;
        lookup.UseCache = true;
        lookup.ThrowDnsErrors = false;
        lookup.ContinueOnDnsError = false;
        lookup.UseTcpFallback = true;
        client = new LookupClient(lookup);
    }

    /// <summary>The resolver itself, for lookups of other kinds (DKIM keys).</summary>
    public ILookupClient Client => client;

    /// <summary>The id of the domain's MTA-STS policy (<c>_mta-sts.DOMAIN</c> TXT <c>v=STSv1; id=…</c>), or null when it has none.</summary>
    public async Task<string?> StsIdAsync(string domain, CancellationToken cancellationToken)
    {
        var response = await client.QueryAsync("_mta-sts." + domain, QueryType.TXT, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (response.HasError && response.Header.ResponseCode != DnsHeaderResponseCode.NotExistentDomain)
        {
            throw new DnsResponseException(response.ErrorMessage);
        }

        var records = response.Answers.TxtRecords().Select(r => string.Concat(r.Text)).Where(t => t.StartsWith("v=STSv1", StringComparison.Ordinal)).ToList();
        if (records.Count != 1)
        {
            return null;
        }

        var id = records[0].Split(';').Select(p => p.Trim()).FirstOrDefault(p => p.StartsWith("id=", StringComparison.Ordinal));
        return id?[3..];
    }

    /// <summary>A host's IPv4 then IPv6 addresses; empty when it has none.</summary>
    public async Task<List<IPAddress>> AddressesAsync(string host, CancellationToken cancellationToken)
    {
        var addresses = new List<IPAddress>();
        foreach (var type in new[] { QueryType.A, QueryType.AAAA })
        {
            var answer = await client.QueryAsync(host, type, cancellationToken: cancellationToken).ConfigureAwait(false);
            addresses.AddRange(answer.Answers.OfType<AddressRecord>().Select(r => r.Address));
        }

        return addresses;
    }

    public async Task<MailRoute> ResolveAsync(string domain, CancellationToken cancellationToken)
    {
        IDnsQueryResponse response;
        try
        {
            response = await client.QueryAsync(domain, QueryType.MX, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (DnsResponseException ex)
        {
            return MailRoute.Temporary($"4.4.3 DNS lookup of MX {domain} failed: {ex.Message}");
        }

        if (response.Header.ResponseCode == DnsHeaderResponseCode.NotExistentDomain)
        {
            return MailRoute.Permanent($"5.1.2 the domain {domain} does not exist (NXDOMAIN)");
        }

        if (response.HasError)
        {
            return MailRoute.Temporary($"4.4.3 DNS lookup of MX {domain} failed: {response.ErrorMessage}");
        }

        var mx = response.Answers.MxRecords().ToList();
        List<string> hosts;
        if (mx.Count == 0)
        {
            hosts = [domain];
        }
        else if (mx.Count == 1 && mx[0].Exchange.Value is "." or "")
        {
            return MailRoute.Permanent($"5.1.10 the domain {domain} accepts no mail (null MX)");
        }
        else
        {
            hosts = [.. mx.Where(r => r.Exchange.Value is not ("." or ""))
                .GroupBy(r => r.Preference)
                .OrderBy(g => g.Key)
                .SelectMany(g => g.OrderBy(_ => Random.Shared.Next()))
                .Select(r => r.Exchange.Value.TrimEnd('.'))];
        }

        var targets = new List<MailTarget>();
        string? lastError = null;
        var anyTemporary = false;
        foreach (var host in hosts)
        {
            var addresses = new List<IPAddress>();
            foreach (var type in new[] { QueryType.A, QueryType.AAAA })
            {
                try
                {
                    var answer = await client.QueryAsync(host, type, cancellationToken: cancellationToken).ConfigureAwait(false);
                    if (answer.HasError && answer.Header.ResponseCode != DnsHeaderResponseCode.NotExistentDomain)
                    {
                        anyTemporary = true;
                        lastError = $"DNS lookup of {type} {host} failed: {answer.ErrorMessage}";
                        continue;
                    }

                    addresses.AddRange(answer.Answers.OfType<AddressRecord>().Select(r => r.Address));
                }
                catch (DnsResponseException ex)
                {
                    anyTemporary = true;
                    lastError = $"DNS lookup of {type} {host} failed: {ex.Message}";
                }
            }

            if (addresses.Count > 0)
            {
                targets.Add(new MailTarget(host, addresses));
            }
            else
            {
                lastError ??= $"{host} has no address";
            }
        }

        if (targets.Count > 0)
        {
            return new MailRoute(targets, null, false);
        }

        if (anyTemporary)
        {
            return MailRoute.Temporary("4.4.3 " + lastError);
        }

        return mx.Count == 0
            ? MailRoute.Permanent($"5.1.2 the domain {domain} has no MX and no address")
            : MailRoute.Temporary($"4.4.4 no MX host of {domain} has an address ({lastError})");
    }
}
