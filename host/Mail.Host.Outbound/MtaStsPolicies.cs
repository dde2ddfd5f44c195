using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Mail.Host.Outbound;

/// <summary>
/// Finds and caches MTA-STS policies (RFC 8461): the <c>_mta-sts.DOMAIN</c> TXT record names the policy's id; the
/// policy is fetched over HTTPS (a certificate verified against the system's roots and <c>Outbound:TrustedCaFiles</c>, no redirects, at most 64 KiB, 10 seconds) from
/// <c>https://mta-sts.DOMAIN/.well-known/mta-sts.txt</c>, resolved through the outbound DNS servers, and cached for its
/// <c>max_age</c>; a fetch that fails keeps the cached policy. Cached in memory, per process.
/// </summary>
internal sealed class MtaStsPolicies : IDisposable
{
    private const int MaxPolicySize = 64 * 1024;
    private readonly OutboundDns dns;
    private readonly ILogger logger;
    private readonly HttpClient http;
    private readonly ConcurrentDictionary<string, (MtaStsPolicy Policy, string Id, DateTimeOffset Expires)> cache = new(StringComparer.OrdinalIgnoreCase);

    public MtaStsPolicies(OutboundDns dns, TlsTrust trust, ILogger logger)
    {
        this.dns = dns;
        this.logger = logger;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            ConnectTimeout = TimeSpan.FromSeconds(10),
            ConnectCallback = ConnectAsync,
            SslOptions = { RemoteCertificateValidationCallback = (_, certificate, chain, errors) => trust.IsTrusted(certificate, chain, errors) },
        };
        http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10), MaxResponseContentBufferSize = MaxPolicySize };
    }

    public void Dispose() => http.Dispose();

    /// <summary>The domain's policy, or null when it publishes none (or none could ever be fetched).</summary>
    public async Task<MtaStsPolicy?> GetAsync(string domain, CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.UtcNow;
        cache.TryGetValue(domain, out var cached);
        var live = cached.Policy is not null && cached.Expires > now ? cached.Policy : null;
        string? id;
        try
        {
            id = await dns.StsIdAsync(domain, cancellationToken).ConfigureAwait(false);
        }
        catch (DnsClient.DnsResponseException)
        {
            return live;
        }

        if (id is null || (live is not null && cached.Id == id))
        {
            return live;
        }

        try
        {
            using var response = await http.GetAsync(new Uri($"https://mta-sts.{domain}/.well-known/mta-sts.txt"), cancellationToken).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.OK || response.Content.Headers.ContentType?.MediaType != "text/plain")
            {
                logger.LogInformation("MTA-STS policy of {Domain}: HTTP {Status}, {Type}; ignored", domain, (int)response.StatusCode, response.Content.Headers.ContentType?.MediaType);
                return live;
            }

            var policy = MtaStsPolicy.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
            if (policy is null)
            {
                logger.LogInformation("MTA-STS policy of {Domain} is malformed; ignored", domain);
                return live;
            }

            cache[domain] = (policy, id, now + policy.MaxAge);
            return policy;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
        {
            logger.LogInformation("MTA-STS policy of {Domain} could not be fetched ({Error}); {Fallback}", domain, ex.Message, live is null ? "none applies" : "the cached one applies");
            return live;
        }
    }

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var addresses = await dns.AddressesAsync(context.DnsEndPoint.Host, cancellationToken).ConfigureAwait(false);
        Exception? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, context.DnsEndPoint.Port), cancellationToken).ConfigureAwait(false);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                last = ex;
            }
        }

        throw new HttpRequestException($"cannot connect to {context.DnsEndPoint.Host}: {last?.Message ?? "no address"}", last);
    }
}
