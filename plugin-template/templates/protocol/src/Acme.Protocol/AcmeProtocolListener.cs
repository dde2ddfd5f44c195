using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Mail.Host.Protocols;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Acme.Protocol;

/// <summary>
/// A listener for a small line protocol, the skeleton to grow a real one from: the server greets with
/// <c>+OK &lt;greeting&gt;</c>, then answers one line per command (<c>NOOP</c>, <c>ECHO text</c>, <c>QUIT</c>);
/// replies start with <c>+OK</c> or <c>-ERR</c>. The host starts it before the server is ready and stops it on
/// shutdown: it stops accepting, tells idle sessions it is going away, and waits for the others.
/// </summary>
public sealed class AcmeProtocolListener(ListenerContext context) : IProtocolListener
{
    private readonly List<TcpListener> sockets = [];
    private readonly ConcurrentDictionary<Task, bool> sessions = new();
    private readonly CancellationTokenSource stopping = new();
    private readonly ILogger logger = context.Services.GetService<ILoggerFactory>()?.CreateLogger<AcmeProtocolListener>() ?? NullLogger<AcmeProtocolListener>.Instance;
    private readonly string greeting = context.Settings["Greeting"] ?? "acme-protocol ready";
    private Task[] acceptLoops = [];

    /// <summary>The addresses the listener is bound to (with the actual port when the manifest gave port 0).</summary>
    public IReadOnlyList<IPEndPoint> LocalEndpoints => [.. sockets.Select(s => (IPEndPoint)s.LocalEndpoint)];

    /// <summary>The reply to one command line, and whether the session ends after it.</summary>
    /// <param name="line">The line the client sent, without its line ending.</param>
    /// <returns>The reply line and whether to close the connection.</returns>
    public static (string Reply, bool Close) Answer(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var space = line.IndexOf(' ', StringComparison.Ordinal);
        var command = (space < 0 ? line : line[..space]).ToUpperInvariant();
        return command switch
        {
            "NOOP" => ("+OK", false),
            "ECHO" => ("+OK" + (space < 0 ? string.Empty : line[space..]), false),
            "QUIT" => ("+OK bye", true),
            _ => ("-ERR unknown command", false),
        };
    }

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var endpoint in context.Endpoints)
        {
            var socket = new TcpListener(endpoint);
            socket.Start();
            sockets.Add(socket);
            logger.LogInformation("Listener {Name} ({Protocol}) accepts connections on {Endpoint}", context.Name, context.Protocol, socket.LocalEndpoint);
        }

        acceptLoops = [.. sockets.Select(AcceptAsync)];
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var socket in sockets)
        {
            socket.Stop();
        }

        await Task.WhenAll(acceptLoops).ConfigureAwait(false);
        await stopping.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(sessions.Keys).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var socket in sockets)
        {
            socket.Dispose();
        }

        await stopping.CancelAsync().ConfigureAwait(false);
        stopping.Dispose();
    }

    private async Task AcceptAsync(TcpListener socket)
    {
        while (true)
        {
            TcpClient client;
            try
            {
                client = await socket.AcceptTcpClientAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                return; // Stopped.
            }

            var session = Task.Run(() => RunSessionAsync(client));
            sessions.TryAdd(session, true);
            _ = session.ContinueWith(finished => sessions.TryRemove(finished, out _), TaskScheduler.Default);
        }
    }

    private async Task RunSessionAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, leaveOpen: true);
                await using var writer = new StreamWriter(stream, new UTF8Encoding(false), leaveOpen: true) { NewLine = "\r\n", AutoFlush = true };
                await writer.WriteLineAsync("+OK " + greeting).ConfigureAwait(false);
                while (true)
                {
                    string? line;
                    try
                    {
                        line = await reader.ReadLineAsync(stopping.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        await writer.WriteLineAsync("-ERR server shutting down").ConfigureAwait(false);
                        return;
                    }

                    if (line is null)
                    {
                        return;
                    }

                    var (reply, close) = Answer(line);
                    await writer.WriteLineAsync(reply).ConfigureAwait(false);
                    if (close)
                    {
                        return;
                    }
                }
            }
            catch (IOException ex)
            {
                logger.LogDebug(ex, "A {Protocol} session on {Name} ended: {Reason}", context.Protocol, context.Name, ex.Message);
            }
        }
    }
}
