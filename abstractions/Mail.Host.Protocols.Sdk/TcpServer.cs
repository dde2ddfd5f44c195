using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Mail.Host.Protocols.Sdk;

/// <summary>
/// Accepts TCP connections on a set of endpoints and runs a session for each, within a limit of connections in total
/// and per IP address. Stopping closes the listening sockets, lets sessions finish until the stop is cut short, then
/// aborts what is left.
/// </summary>
public sealed class TcpServer : IAsyncDisposable
{
    private readonly IReadOnlyList<IPEndPoint> endpoints;
    private readonly TcpServerOptions options;
    private readonly Func<LineConnection, CancellationToken, Task> session;
    private readonly ILogger logger;
    private readonly List<Socket> listeners = [];
    private readonly List<Task> acceptLoops = [];
    private readonly ConcurrentDictionary<LineConnection, Task> sessions = new();
    private readonly Dictionary<IPAddress, int> perIp = [];
    private readonly CancellationTokenSource stopping = new();
    private readonly byte[]? refusal;
    private int total;

    /// <summary>Creates a server; nothing is bound until <see cref="StartAsync"/>.</summary>
    /// <param name="endpoints">The addresses to listen on.</param>
    /// <param name="options">Connection limits.</param>
    /// <param name="session">
    /// Runs one session. Its token fires when the server starts stopping: the session should end at its next idle
    /// point. The connection is disposed when the session returns.
    /// </param>
    /// <param name="logger">Where accept and session failures are logged.</param>
    public TcpServer(IReadOnlyList<IPEndPoint> endpoints, TcpServerOptions options, Func<LineConnection, CancellationToken, Task> session, ILogger logger)
    {
        this.endpoints = endpoints ?? throw new ArgumentNullException(nameof(endpoints));
        this.options = options ?? throw new ArgumentNullException(nameof(options));
        this.session = session ?? throw new ArgumentNullException(nameof(session));
        this.logger = logger ?? throw new ArgumentNullException(nameof(logger));
        refusal = options.RefusalLine is null ? null : Encoding.ASCII.GetBytes(options.RefusalLine + "\r\n");
    }

    /// <summary>The number of sessions running now.</summary>
    public int ActiveConnections => Volatile.Read(ref total);

    /// <summary>The endpoints actually bound (a port 0 in the configuration becomes the chosen port).</summary>
    public IReadOnlyList<IPEndPoint> BoundEndpoints => [.. listeners.Select(l => (IPEndPoint)l.LocalEndPoint!)];

    /// <summary>Binds every endpoint and starts accepting.</summary>
    /// <param name="cancellationToken">Unused; binding is immediate.</param>
    /// <returns>A completed task once every endpoint is bound.</returns>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        foreach (var endpoint in endpoints)
        {
            var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                if (endpoint.AddressFamily == AddressFamily.InterNetworkV6 && endpoint.Address.Equals(IPAddress.IPv6Any))
                {
                    socket.DualMode = true;
                }

                socket.Bind(endpoint);
                socket.Listen(options.Backlog);
            }
            catch
            {
                socket.Dispose();
                throw;
            }

            listeners.Add(socket);
        }

        foreach (var socket in listeners)
        {
            acceptLoops.Add(Task.Run(() => AcceptLoopAsync(socket)));
        }

        return Task.CompletedTask;
    }

    /// <summary>Stops accepting, waits for sessions to finish, and aborts those still running when the token fires.</summary>
    /// <param name="cancellationToken">Cuts the wait short.</param>
    /// <returns>A task that completes once every session has ended.</returns>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (!stopping.IsCancellationRequested)
        {
            await stopping.CancelAsync().ConfigureAwait(false);
        }

        foreach (var socket in listeners)
        {
            socket.Dispose();
        }

        await Task.WhenAll(acceptLoops).ConfigureAwait(false);
        var running = Task.WhenAll(sessions.Values);
        try
        {
            await running.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            foreach (var connection in sessions.Keys)
            {
                connection.Abort();
            }

            await running.ConfigureAwait(false);
        }
    }

    /// <summary>Stops at once, aborting every session.</summary>
    /// <returns>A task that completes once everything is closed.</returns>
    public async ValueTask DisposeAsync()
    {
        using var now = new CancellationTokenSource();
        await now.CancelAsync().ConfigureAwait(false);
        await StopAsync(now.Token).ConfigureAwait(false);
        stopping.Dispose();
    }

    private async Task AcceptLoopAsync(Socket listener)
    {
        while (!stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(stopping.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex)
            {
                if (stopping.IsCancellationRequested)
                {
                    return;
                }

                logger.LogWarning(ex, "Accepting a connection on {Endpoint} failed", listener.LocalEndPoint);
                await Task.Delay(50).ConfigureAwait(false);
                continue;
            }

            client.NoDelay = true;
            var address = ((IPEndPoint)client.RemoteEndPoint!).Address;
            if (!TryAdmit(address))
            {
                _ = RefuseAsync(client);
                continue;
            }

            var connection = new LineConnection(client);
            var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var task = RunAsync(connection, address, gate.Task);
            sessions[connection] = task;
            gate.SetResult();
        }
    }

    private async Task RunAsync(LineConnection connection, IPAddress address, Task registered)
    {
        await registered.ConfigureAwait(false);
        try
        {
            await Task.Yield();
            await session(connection, stopping.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException or TimeoutException or OperationCanceledException or ObjectDisposedException or System.Security.Authentication.AuthenticationException)
        {
            logger.LogDebug(ex, "The session with {Remote} ended: {Reason}", connection.RemoteEndPoint, ex.Message);
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "The session with {Remote} failed", connection.RemoteEndPoint);
        }
        finally
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            Release(address);
            sessions.TryRemove(connection, out _);
        }
    }

    private bool TryAdmit(IPAddress address)
    {
        lock (perIp)
        {
            perIp.TryGetValue(address, out var count);
            if (total >= options.MaxConnections || count >= options.MaxConnectionsPerIp)
            {
                return false;
            }

            perIp[address] = count + 1;
            total++;
            return true;
        }
    }

    private void Release(IPAddress address)
    {
        lock (perIp)
        {
            total--;
            if (perIp.TryGetValue(address, out var count) && count > 1)
            {
                perIp[address] = count - 1;
            }
            else
            {
                perIp.Remove(address);
            }
        }
    }

    private async Task RefuseAsync(Socket client)
    {
        try
        {
            if (refusal is not null)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await client.SendAsync(refusal, SocketFlags.None, timeout.Token).ConfigureAwait(false);
            }

            client.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The refused client is gone already.
        }
        finally
        {
            client.Dispose();
        }
    }
}
