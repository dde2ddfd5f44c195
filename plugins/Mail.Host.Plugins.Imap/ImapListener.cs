using System.Security.Cryptography.X509Certificates;
using Mail.Host.Directory;
using Mail.Host.Mail;
using Mail.Host.Protocols;
using Mail.Host.Protocols.Sdk;
using Mail.Host.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mail.Host.Plugins.Imap;

/// <summary>One IMAP listener: the accepting server and what its sessions share.</summary>
internal sealed class ImapListener : IProtocolListener
{
    private readonly TcpServer server;

    public ImapListener(ListenerContext context, ImapListenerOptions options)
    {
        Options = options;
        Tls = context.Tls;
        var services = context.Services;
        var configuration = services.GetRequiredService<IConfiguration>();
        Hostname = TlsCertificates.Hostname(services);
        var hostLimit = long.TryParse(configuration["Mail:MaxMessageSizeBytes"], out var limit) ? limit : long.MaxValue;
        AppendLimit = Math.Min(options.AppendLimit, hostLimit);
        Engine = services.GetRequiredService<IMailEngine>();
        Directory = services.GetRequiredService<IMailDirectories>().Authentication;
        Throttle = new AuthFailureThrottle(services.GetRequiredService<IMailStores>().Lookup, "imap", options.MaxAuthFailures, options.AuthFailureWindow, options.AuthFailureDelay);
        Logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Mail.Host.Plugins.Imap." + context.Name);
        Certificate = TlsCertificates.ForListener(context, options.CertificatePath, options.KeyPath, Hostname);
        server = new TcpServer(
            context.Endpoints,
            new TcpServerOptions
            {
                MaxConnections = options.MaxConnections,
                MaxConnectionsPerIp = options.MaxConnectionsPerIp,
                RefusalLine = context.Tls == TlsMode.Implicit ? null : "* BYE [UNAVAILABLE] Too many connections, try again later",
            },
            (connection, stopping) => new ImapSession(this, connection).RunAsync(stopping),
            Logger);
    }

    public ImapListenerOptions Options { get; }

    public TlsMode Tls { get; }

    public string Hostname { get; }

    public long AppendLimit { get; }

    public X509Certificate2? Certificate { get; }

    public IMailEngine Engine { get; }

    public IDirectory Directory { get; }

    public AuthFailureThrottle Throttle { get; }

    public ILogger Logger { get; }

    public Task StartAsync(CancellationToken cancellationToken) => server.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => server.StopAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await server.DisposeAsync().ConfigureAwait(false);
        Certificate?.Dispose();
    }
}
