using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Mail.Host.IntegrationTests;

/// <summary>
/// An HTTPS server on a loopback address, port 443 (RFC 8461 fixes the policy URL), answering
/// <c>GET /.well-known/mta-sts.txt</c> with the policy of the domain named by the Host header (<c>mta-sts.DOMAIN</c>),
/// as text/plain; anything else is 404. It counts the policy requests it answered.
/// </summary>
public sealed class MtaStsPolicyServer : IDisposable
{
    private readonly TcpListener listener;
    private readonly X509Certificate2 certificate;
    private readonly IReadOnlyDictionary<string, string> policies;
    private readonly CancellationTokenSource stop = new();
    private int served;

    private MtaStsPolicyServer(TcpListener listener, X509Certificate2 certificate, IReadOnlyDictionary<string, string> policies)
    {
        this.listener = listener;
        this.certificate = certificate;
        this.policies = policies;
    }

    public int PoliciesServed => served;

    /// <summary>Listens on ADDRESS:443 (binding port 443 needs root or CAP_NET_BIND_SERVICE, which the test run has).</summary>
    public static MtaStsPolicyServer Start(string address, X509Certificate2 certificate, IReadOnlyDictionary<string, string> policiesByDomain)
    {
        var listener = new TcpListener(IPAddress.Parse(address), 443);
        try
        {
            listener.Start();
        }
        catch (SocketException ex)
        {
            throw new InvalidOperationException($"the MTA-STS test server cannot listen on {address}:443 ({ex.Message}); RFC 8461 fixes the policy URL at https://mta-sts.DOMAIN/ on port 443, so this test needs to bind it (run as root or with CAP_NET_BIND_SERVICE)", ex);
        }

        var server = new MtaStsPolicyServer(listener, certificate, policiesByDomain);
        _ = server.AcceptAsync();
        return server;
    }

    public void Dispose()
    {
        stop.Cancel();
        listener.Stop();
        certificate.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = Task.Run(async () =>
            {
                using (client)
                {
                    try
                    {
                        await ServeAsync(client.GetStream(), stop.Token);
                    }
                    catch (Exception ex) when (ex is IOException or OperationCanceledException or SocketException or ObjectDisposedException or System.Security.Authentication.AuthenticationException)
                    {
                    }
                }
            });
        }
    }

    private async Task ServeAsync(NetworkStream network, CancellationToken cancellationToken)
    {
        await using var tls = new SslStream(network);
        await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = certificate }, cancellationToken);
        using var reader = new StreamReader(tls, Encoding.ASCII, false, 1024, leaveOpen: true);
        var requestLine = await reader.ReadLineAsync(cancellationToken) ?? string.Empty;
        string? host = null;
        while (await reader.ReadLineAsync(cancellationToken) is { Length: > 0 } header)
        {
            if (header.StartsWith("Host:", StringComparison.OrdinalIgnoreCase))
            {
                host = header[5..].Trim().Split(':')[0];
            }
        }

        var parts = requestLine.Split(' ');
        var domain = host is not null && host.StartsWith("mta-sts.", StringComparison.OrdinalIgnoreCase) ? host[8..] : null;
        string response;
        if (parts is ["GET", "/.well-known/mta-sts.txt", _] && domain is not null && policies.TryGetValue(domain, out var policy))
        {
            Interlocked.Increment(ref served);
            response = $"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {Encoding.ASCII.GetByteCount(policy)}\r\nConnection: close\r\n\r\n{policy}";
        }
        else
        {
            response = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        }

        await tls.WriteAsync(Encoding.ASCII.GetBytes(response), cancellationToken);
        await tls.FlushAsync(cancellationToken);
    }
}
