using System.Security.Cryptography.X509Certificates;
using Mail.Host.Directory;
using Mail.Host.Mail;
using Mail.Host.Plugins.Smtp.Authentication;
using Mail.Host.Protocols;
using Mail.Host.Protocols.Sdk;
using Mail.Host.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mail.Host.Plugins.Smtp;

/// <summary>One SMTP, submission or LMTP listener: the accepting server and what its sessions share.</summary>
internal sealed class SmtpListener : IProtocolListener
{
    private static readonly TimeSpan DomainCacheLifetime = TimeSpan.FromSeconds(10);
    private readonly TcpServer server;
    private readonly Lock domainGate = new();
    private HashSet<string>? localDomains;
    private DateTime localDomainsExpire;

    public SmtpListener(SmtpMode mode, ListenerContext context, SmtpListenerOptions options)
    {
        Mode = mode;
        Options = options;
        Tls = context.Tls;
        var services = context.Services;
        var configuration = services.GetRequiredService<IConfiguration>();
        Hostname = TlsCertificates.Hostname(services);
        var hostLimit = long.TryParse(configuration["Mail:MaxMessageSizeBytes"], out var limit) ? limit : long.MaxValue;
        MaxMessageSize = Math.Min(options.MaxMessageSize, hostLimit);
        Delivery = services.GetRequiredService<IMailDelivery>();
        Engine = services.GetRequiredService<IMailEngine>();
        Directory = services.GetRequiredService<IMailDirectories>().Authentication;
        var stores = services.GetRequiredService<IMailStores>();
        Queue = services.GetRequiredService<IMailQueue>();
        Throttle = new AuthFailureThrottle(stores.Lookup, "smtp", options.MaxAuthFailures, options.AuthFailureWindow, options.AuthFailureDelay);
        Authenticator = mode == SmtpMode.Smtp && options.CheckAuthentication ? new InboundAuthenticator(options.DnsServers, Hostname) : null;
        Logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Mail.Host.Plugins.Smtp." + context.Name);
        Certificate = TlsCertificates.ForListener(context, options.CertificatePath, options.KeyPath, Hostname);
        server = new TcpServer(
            context.Endpoints,
            new TcpServerOptions
            {
                MaxConnections = options.MaxConnections,
                MaxConnectionsPerIp = options.MaxConnectionsPerIp,
                RefusalLine = context.Tls == TlsMode.Implicit ? null : $"421 4.7.0 {Hostname} Too many connections, try again later",
            },
            (connection, stopping) => new SmtpSession(this, connection).RunAsync(stopping),
            Logger);
    }

    public SmtpMode Mode { get; }

    public SmtpListenerOptions Options { get; }

    public TlsMode Tls { get; }

    public string Hostname { get; }

    public long MaxMessageSize { get; }

    public X509Certificate2? Certificate { get; }

    public IMailDelivery Delivery { get; }

    public IMailEngine Engine { get; }

    public IDirectory Directory { get; }

    public IMailQueue Queue { get; }

    public AuthFailureThrottle Throttle { get; }

    /// <summary>SPF, DKIM, DMARC and ARC checks of mail from other servers; null when off.</summary>
    public InboundAuthenticator? Authenticator { get; }

    public ILogger Logger { get; }

    public Task StartAsync(CancellationToken cancellationToken) => server.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => server.StopAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await server.DisposeAsync().ConfigureAwait(false);
        Certificate?.Dispose();
    }

    public async ValueTask<bool> IsLocalDomainAsync(string domain, CancellationToken cancellationToken)
    {
        HashSet<string>? domains;
        lock (domainGate)
        {
            domains = localDomains is not null && DateTime.UtcNow < localDomainsExpire ? localDomains : null;
        }

        if (domains is null)
        {
            domains = new HashSet<string>(await Directory.ListDomainsAsync(cancellationToken).ConfigureAwait(false), StringComparer.OrdinalIgnoreCase);
            lock (domainGate)
            {
                localDomains = domains;
                localDomainsExpire = DateTime.UtcNow + DomainCacheLifetime;
            }
        }

        return domains.Contains(domain);
    }
}
