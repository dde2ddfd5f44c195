using System.Net;
using System.Net.Sockets;

namespace Mail.Host.Tests.Services;

/// <summary>
/// A TCP relay on a loopback port in front of a test server, standing for the network path to it: stopping the
/// relay makes the server unreachable (connections dropped, new ones refused) without touching the server, which
/// other tests share; starting it again on the same port brings the server back.
/// </summary>
internal sealed class TcpForwarder : IAsyncDisposable
{
    private readonly string targetHost;
    private readonly int targetPort;
    private readonly List<TcpClient> open = [];
    private TcpListener? listener;
    private Task? accepting;

    public TcpForwarder(string targetHost, int targetPort)
    {
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
    }

    /// <summary>The loopback port the relay listens on.</summary>
    public int Port { get; }

    /// <summary>Starts relaying.</summary>
    public void Start()
    {
        listener = new TcpListener(IPAddress.Loopback, Port);
        listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Start();
        var current = listener;
        accepting = Task.Run(() => AcceptAsync(current));
    }

    /// <summary>Stops relaying: refuses new connections and drops every open one.</summary>
    /// <returns>A task that completes when the relay is stopped.</returns>
    public async Task StopAsync()
    {
        listener?.Stop();
        listener = null;
        DropConnections();
        if (accepting is not null)
        {
            await accepting;
            accepting = null;
        }
    }

    /// <summary>Drops every open connection, as a server restart would, but goes on accepting new ones.</summary>
    public void DropConnections()
    {
        lock (open)
        {
            foreach (var client in open)
            {
                try
                {
                    // A reset rather than an orderly close, as when a server process dies.
                    client.Client?.LingerState = new LingerOption(true, 0);
                }
                catch (ObjectDisposedException)
                {
                    // Already closed by its other side.
                }

                client.Dispose();
            }

            open.Clear();
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private async Task AcceptAsync(TcpListener current)
    {
        while (true)
        {
            TcpClient inbound;
            try
            {
                inbound = await current.AcceptTcpClientAsync();
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            var outbound = new TcpClient();
            try
            {
                await outbound.ConnectAsync(targetHost, targetPort);
            }
            catch (SocketException)
            {
                inbound.Dispose();
                outbound.Dispose();
                continue;
            }

            lock (open)
            {
                open.Add(inbound);
                open.Add(outbound);
            }

            _ = PumpAsync(inbound, outbound);
            _ = PumpAsync(outbound, inbound);
        }
    }

    private static async Task PumpAsync(TcpClient from, TcpClient to)
    {
        try
        {
            await from.GetStream().CopyToAsync(to.GetStream());
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or SocketException or InvalidOperationException)
        {
            // The other side or the relay closed the connection.
        }
        finally
        {
            from.Dispose();
            to.Dispose();
        }
    }
}
