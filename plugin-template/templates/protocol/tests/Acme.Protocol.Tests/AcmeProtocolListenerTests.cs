using System.Net;
using System.Net.Sockets;
using System.Text;
using Mail.Host.Protocols;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Acme.Protocol.Tests;

/// <summary>The listener over loopback TCP, created through the provider the way the host creates it.</summary>
public sealed class AcmeProtocolListenerTests
{
    [Fact]
    public async Task A_session_is_greeted_and_answered_line_by_line()
    {
        await using var listener = await StartAsync();
        using var client = new TcpClient();
        await client.ConnectAsync(listener.LocalEndpoints[0]);
        using var reader = new StreamReader(client.GetStream(), Encoding.UTF8);
        await using var writer = new StreamWriter(client.GetStream(), new UTF8Encoding(false)) { NewLine = "\r\n", AutoFlush = true };

        Assert.Equal("+OK test greeting", await reader.ReadLineAsync());
        await writer.WriteLineAsync("ECHO hello there");
        Assert.Equal("+OK hello there", await reader.ReadLineAsync());
        await writer.WriteLineAsync("noop");
        Assert.Equal("+OK", await reader.ReadLineAsync());
        await writer.WriteLineAsync("FROB");
        Assert.Equal("-ERR unknown command", await reader.ReadLineAsync());
        await writer.WriteLineAsync("QUIT");
        Assert.Equal("+OK bye", await reader.ReadLineAsync());
        Assert.Null(await reader.ReadLineAsync());

        await listener.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Stopping_tells_an_idle_session_and_refuses_new_connections()
    {
        var listener = await StartAsync();
        var endpoint = listener.LocalEndpoints[0];
        using var client = new TcpClient();
        await client.ConnectAsync(endpoint);
        using var reader = new StreamReader(client.GetStream(), Encoding.UTF8);
        Assert.Equal("+OK test greeting", await reader.ReadLineAsync());

        await listener.StopAsync(new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token);
        await listener.DisposeAsync();

        Assert.Equal("-ERR server shutting down", await reader.ReadLineAsync());
        using var late = new TcpClient();
        await Assert.ThrowsAsync<SocketException>(async () => await late.ConnectAsync(endpoint));
    }

    [Fact]
    public void Validate_asks_for_Tls_None()
    {
        var problems = new AcmeProtocolProvider().Validate(Context(TlsMode.StartTls)).ToList();

        Assert.Equal(["Listeners:test:Tls is StartTls, but acme-protocol has no TLS; set it to None."], problems);
    }

    private static async Task<AcmeProtocolListener> StartAsync()
    {
        var provider = new AcmeProtocolProvider();
        var context = Context(TlsMode.None);
        Assert.Empty(provider.Validate(context));
        var listener = (AcmeProtocolListener)provider.CreateListener(context);
        await listener.StartAsync(CancellationToken.None);
        return listener;
    }

    private static ListenerContext Context(TlsMode tls) => new()
    {
        Name = "test",
        Protocol = "acme-protocol",
        Endpoints = [new IPEndPoint(IPAddress.Loopback, 0)],
        Tls = tls,
        Settings = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Protocol"] = "acme-protocol",
            ["Greeting"] = "test greeting",
        }).Build(),
        BaseDirectory = Path.GetTempPath(),
        Services = new ServiceCollection().BuildServiceProvider(),
    };
}
