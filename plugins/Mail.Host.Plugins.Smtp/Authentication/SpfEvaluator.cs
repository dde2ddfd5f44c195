using System.Net;
using System.Net.Sockets;
using System.Text;
using DnsClient;
using DnsClient.Protocol;

namespace Mail.Host.Plugins.Smtp.Authentication;

/// <summary>
/// The SPF <c>check_host()</c> function (RFC 7208) over DnsClient: mechanisms <c>all</c>, <c>include</c>, <c>a</c>,
/// <c>mx</c>, <c>ptr</c>, <c>ip4</c>, <c>ip6</c>, <c>exists</c> with CIDR lengths, the <c>redirect</c> modifier, the
/// common macros (<c>%{s} %{l} %{o} %{d} %{i} %{h}</c>, without transformers), and the limit of 10 DNS-querying terms
/// and 2 void lookups.
/// </summary>
internal sealed class SpfEvaluator(ILookupClient dns)
{
    private const int MaxLookups = 10;
    private const int MaxVoidLookups = 2;

    public async Task<(SpfResult Result, string Explanation)> CheckAsync(IPAddress client, string domain, string sender, string helo, CancellationToken cancellationToken)
    {
        var state = new State(client.IsIPv4MappedToIPv6 ? client.MapToIPv4() : client, sender, helo);
        try
        {
            var result = await CheckHostAsync(state, domain, 0, cancellationToken).ConfigureAwait(false);
            return (result, state.Explanation ?? domain);
        }
        catch (DnsResponseException ex)
        {
            return (SpfResult.TempError, $"DNS error: {ex.Message}");
        }
        catch (SpfPermanentException ex)
        {
            return (SpfResult.PermError, ex.Message);
        }
    }

    private async Task<SpfResult> CheckHostAsync(State state, string domain, int depth, CancellationToken cancellationToken)
    {
        if (depth > MaxLookups)
        {
            throw new SpfPermanentException("too many nested includes");
        }

        var response = await dns.QueryAsync(domain, QueryType.TXT, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (response.Header.ResponseCode == DnsHeaderResponseCode.NotExistentDomain)
        {
            return SpfResult.None;
        }

        if (response.HasError)
        {
            return SpfResult.TempError;
        }

        var records = response.Answers.TxtRecords()
            .Select(r => string.Concat(r.Text))
            .Where(t => t.Equals("v=spf1", StringComparison.OrdinalIgnoreCase) || t.StartsWith("v=spf1 ", StringComparison.OrdinalIgnoreCase))
            .ToList();
        if (records.Count == 0)
        {
            return SpfResult.None;
        }

        if (records.Count > 1)
        {
            throw new SpfPermanentException($"{domain} publishes more than one SPF record");
        }

        string? redirect = null;
        foreach (var term in records[0].Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1))
        {
            var equals = term.IndexOf('=', StringComparison.Ordinal);
            var colon = term.IndexOf(':', StringComparison.Ordinal);
            if (equals > 0 && (colon < 0 || equals < colon))
            {
                var name = term[..equals].ToLowerInvariant();
                if (name == "redirect")
                {
                    redirect = Expand(term[(equals + 1)..], state, domain);
                }

                continue;
            }

            var qualifier = term[0] switch { '+' or '-' or '~' or '?' => term[0], _ => '+' };
            var body = term[0] is '+' or '-' or '~' or '?' ? term[1..] : term;
            if (await MatchesAsync(state, domain, body, depth, cancellationToken).ConfigureAwait(false))
            {
                return qualifier switch { '-' => SpfResult.Fail, '~' => SpfResult.SoftFail, '?' => SpfResult.Neutral, _ => SpfResult.Pass };
            }
        }

        if (redirect is not null)
        {
            Count(state);
            var result = await CheckHostAsync(state, redirect, depth + 1, cancellationToken).ConfigureAwait(false);
            return result == SpfResult.None ? throw new SpfPermanentException($"redirect to {redirect}, which has no SPF record") : result;
        }

        return SpfResult.Neutral;
    }

    private async Task<bool> MatchesAsync(State state, string domain, string term, int depth, CancellationToken cancellationToken)
    {
        var (name, argument) = term.IndexOfAny([':', '/']) is var split and > 0
            ? (term[..split].ToLowerInvariant(), term[split..])
            : (term.ToLowerInvariant(), string.Empty);
        var target = argument.StartsWith(':') ? argument[1..] : string.Empty;
        var cidr = string.Empty;
        var slash = target.Length > 0 ? target.IndexOf('/', StringComparison.Ordinal) : argument.IndexOf('/', StringComparison.Ordinal);
        if (target.Length > 0 && slash >= 0)
        {
            cidr = target[slash..];
            target = target[..slash];
        }
        else if (target.Length == 0 && slash >= 0)
        {
            cidr = argument[slash..];
        }

        var (v4, v6) = ParseCidr(cidr);
        switch (name)
        {
            case "all":
                return true;
            case "ip4":
                return IPNetwork.TryParse(target.Contains('/', StringComparison.Ordinal) ? target : target + (cidr.Length > 0 ? cidr : "/32"), out var net4)
                    ? state.Client.AddressFamily == AddressFamily.InterNetwork && net4.Contains(state.Client)
                    : throw new SpfPermanentException($"bad ip4 term '{term}'");
            case "ip6":
                return IPNetwork.TryParse(target + (cidr.Length > 0 ? cidr : "/128"), out var net6)
                    ? state.Client.AddressFamily == AddressFamily.InterNetworkV6 && net6.Contains(state.Client)
                    : throw new SpfPermanentException($"bad ip6 term '{term}'");
            case "include":
                Count(state);
                var included = await CheckHostAsync(state, Expand(target, state, domain), depth + 1, cancellationToken).ConfigureAwait(false);
                return included switch
                {
                    SpfResult.Pass => true,
                    SpfResult.TempError => throw new DnsResponseException("temporary error in an included record"),
                    SpfResult.PermError or SpfResult.None => throw new SpfPermanentException($"include:{target} has no usable SPF record"),
                    _ => false,
                };
            case "a":
                Count(state);
                return await AddressMatchesAsync(state, target.Length > 0 ? Expand(target, state, domain) : domain, v4, v6, cancellationToken).ConfigureAwait(false);
            case "mx":
                Count(state);
                var mx = await dns.QueryAsync(target.Length > 0 ? Expand(target, state, domain) : domain, QueryType.MX, cancellationToken: cancellationToken).ConfigureAwait(false);
                var hosts = mx.Answers.MxRecords().Select(r => r.Exchange.Value.TrimEnd('.')).Take(10).ToList();
                Void(state, hosts.Count);
                foreach (var host in hosts)
                {
                    if (await AddressMatchesAsync(state, host, v4, v6, cancellationToken).ConfigureAwait(false))
                    {
                        return true;
                    }
                }

                return false;
            case "ptr":
                // Deprecated (RFC 7208 section 5.5) and slow; counted, never matched.
                Count(state);
                return false;
            case "exists":
                Count(state);
                var exists = await dns.QueryAsync(Expand(target, state, domain), QueryType.A, cancellationToken: cancellationToken).ConfigureAwait(false);
                var any = exists.Answers.ARecords().Any();
                Void(state, any ? 1 : 0);
                return any;
            default:
                throw new SpfPermanentException($"unknown mechanism '{name}'");
        }
    }

    private async Task<bool> AddressMatchesAsync(State state, string host, int v4, int v6, CancellationToken cancellationToken)
    {
        var v6Client = state.Client.AddressFamily == AddressFamily.InterNetworkV6;
        var response = await dns.QueryAsync(host, v6Client ? QueryType.AAAA : QueryType.A, cancellationToken: cancellationToken).ConfigureAwait(false);
        var addresses = response.Answers.OfType<AddressRecord>().Select(r => r.Address).ToList();
        Void(state, addresses.Count);
        return addresses.Any(a => new IPNetwork(a, v6Client ? v6 : v4).Contains(state.Client));
    }

    private static (int V4, int V6) ParseCidr(string cidr)
    {
        var v4 = 32;
        var v6 = 128;
        if (cidr.Length == 0)
        {
            return (v4, v6);
        }

        var parts = cidr.Split("//");
        if (parts[0].Length > 1 && int.TryParse(parts[0].TrimStart('/'), out var four))
        {
            v4 = Math.Clamp(four, 0, 32);
        }

        if (parts.Length > 1 && int.TryParse(parts[1], out var six))
        {
            v6 = Math.Clamp(six, 0, 128);
        }

        return (v4, v6);
    }

    private static void Count(State state)
    {
        if (++state.Lookups > MaxLookups)
        {
            throw new SpfPermanentException("more than 10 DNS lookups");
        }
    }

    private static void Void(State state, int answers)
    {
        if (answers == 0 && ++state.VoidLookups > MaxVoidLookups)
        {
            throw new SpfPermanentException("more than 2 void DNS lookups");
        }
    }

    private static string Expand(string text, State state, string domain)
    {
        if (!text.Contains('%', StringComparison.Ordinal))
        {
            return text;
        }

        var at = state.Sender.LastIndexOf('@');
        var local = at > 0 ? state.Sender[..at] : "postmaster";
        var senderDomain = at >= 0 ? state.Sender[(at + 1)..] : state.Sender;
        var output = new StringBuilder();
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != '%' || i + 1 >= text.Length)
            {
                output.Append(text[i]);
                continue;
            }

            var next = text[++i];
            switch (next)
            {
                case '%': output.Append('%'); break;
                case '_': output.Append(' '); break;
                case '-': output.Append("%20"); break;
                case '{':
                    var end = text.IndexOf('}', i);
                    if (end < 0)
                    {
                        throw new SpfPermanentException("unterminated macro");
                    }

                    var letter = char.ToLowerInvariant(text[i + 1]);
                    output.Append(letter switch
                    {
                        's' => state.Sender,
                        'l' => local,
                        'o' => senderDomain,
                        'd' => domain,
                        'i' => state.Client.ToString(),
                        'h' => state.Helo,
                        'v' => state.Client.AddressFamily == AddressFamily.InterNetworkV6 ? "ip6" : "in-addr",
                        _ => throw new SpfPermanentException($"unsupported macro %{{{letter}}}"),
                    });
                    i = end;
                    break;
                default:
                    throw new SpfPermanentException($"bad macro %{next}");
            }
        }

        return output.ToString();
    }

    private sealed class State(IPAddress client, string sender, string helo)
    {
        public IPAddress Client { get; } = client;

        public string Sender { get; } = sender;

        public string Helo { get; } = helo;

        public int Lookups { get; set; }

        public int VoidLookups { get; set; }

        public string? Explanation { get; set; }
    }
}
