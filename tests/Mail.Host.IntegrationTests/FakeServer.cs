using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Mail.Host.IntegrationTests;

/// <summary>A misbehaving SMTP server for outbound tests: it answers garbage, drops the connection in the middle of DATA, or never speaks.</summary>
public sealed class FakeServer : IDisposable
{
    private readonly TcpListener listener;
    private readonly CancellationTokenSource stop = new();
    private readonly Func<FakeServer, NetworkStream, CancellationToken, Task> behaviour;
    private readonly System.Threading.Channels.Channel<ReceivedMessage> received = System.Threading.Channels.Channel.CreateUnbounded<ReceivedMessage>();
    private int connections;
    private int messages;

    private FakeServer(TcpListener listener, Func<FakeServer, NetworkStream, CancellationToken, Task> behaviour)
    {
        this.listener = listener;
        this.behaviour = behaviour;
    }

    public bool SawData { get; private set; }

    /// <summary>Whether a client got as far as MAIL FROM (with <see cref="PlainOnly"/>).</summary>
    public bool SawMail { get; private set; }

    /// <summary>How many messages were accepted (with <see cref="Recording"/>).</summary>
    public int Messages => messages;

    /// <summary>How many connections were accepted.</summary>
    public int Connections => connections;

    /// <summary>The messages <see cref="Recording"/> accepted, in order.</summary>
    public System.Threading.Channels.ChannelReader<ReceivedMessage> Received => received.Reader;

    public static FakeServer Start(string address, int port, Func<FakeServer, NetworkStream, CancellationToken, Task> behaviour)
    {
        var listener = new TcpListener(IPAddress.Parse(address), port);
        listener.Start();
        var server = new FakeServer(listener, behaviour);
        _ = server.AcceptAsync();
        return server;
    }

    public static async Task Garbage(FakeServer server, NetworkStream stream, CancellationToken cancellationToken)
    {
        await stream.WriteAsync("\u00ffgarbage that is no SMTP reply\r\n"u8.ToArray(), cancellationToken);
        await ReadLineAsync(stream, cancellationToken);
        await stream.WriteAsync("hello?\r\n"u8.ToArray(), cancellationToken);
        await ReadLineAsync(stream, cancellationToken);
    }

    public static async Task DropMidData(FakeServer server, NetworkStream stream, CancellationToken cancellationToken)
    {
        await Say(stream, "220 drop.test ESMTP\r\n", cancellationToken);
        while (await ReadLineAsync(stream, cancellationToken) is { } line)
        {
            var verb = line.Split(' ')[0].ToUpperInvariant();
            switch (verb)
            {
                case "EHLO":
                    await Say(stream, "250-drop.test\r\n250 8BITMIME\r\n", cancellationToken);
                    break;
                case "DATA":
                    server.SawData = true;
                    await Say(stream, "354 go ahead\r\n", cancellationToken);
                    await ReadLineAsync(stream, cancellationToken);
                    return; // The connection closes in the middle of the message.
                default:
                    await Say(stream, "250 ok\r\n", cancellationToken);
                    break;
            }
        }
    }

    /// <summary>A working server that offers no STARTTLS: it accepts anything, and notes a MAIL FROM.</summary>
    public static async Task PlainOnly(FakeServer server, NetworkStream stream, CancellationToken cancellationToken)
    {
        await Say(stream, "220 plain.test ESMTP\r\n", cancellationToken);
        while (await ReadLineAsync(stream, cancellationToken) is { } line)
        {
            var verb = line.Split(' ')[0].ToUpperInvariant();
            switch (verb)
            {
                case "EHLO":
                    await Say(stream, "250-plain.test\r\n250 8BITMIME\r\n", cancellationToken);
                    break;
                case "MAIL":
                    server.SawMail = true;
                    await Say(stream, "250 ok\r\n", cancellationToken);
                    break;
                case "QUIT":
                    await Say(stream, "221 bye\r\n", cancellationToken);
                    return;
                default:
                    await Say(stream, "502 not here\r\n", cancellationToken);
                    break;
            }
        }
    }

    /// <summary>A plain server that accepts every message, several per connection if the client wants, counting them and keeping each envelope and content in <see cref="Received"/>.</summary>
    public static async Task Recording(FakeServer server, NetworkStream stream, CancellationToken cancellationToken)
    {
        await Say(stream, "220 record.test ESMTP\r\n", cancellationToken);
        string? from = null;
        var to = new List<string>();
        while (await ReadLineAsync(stream, cancellationToken) is { } line)
        {
            switch (line.Split(' ')[0].ToUpperInvariant())
            {
                case "EHLO":
                    await Say(stream, "250-record.test\r\n250 8BITMIME\r\n", cancellationToken);
                    break;
                case "MAIL":
                    from = PathOf(line);
                    to.Clear();
                    await Say(stream, "250 ok\r\n", cancellationToken);
                    break;
                case "RCPT":
                    to.Add(PathOf(line));
                    await Say(stream, "250 ok\r\n", cancellationToken);
                    break;
                case "DATA":
                    await Say(stream, "354 go ahead\r\n", cancellationToken);
                    var data = new StringBuilder();
                    while (await ReadLineAsync(stream, cancellationToken) is { } text && text != ".")
                    {
                        data.Append(text.StartsWith('.') ? text[1..] : text).Append("\r\n");
                    }

                    Interlocked.Increment(ref server.messages);
                    server.received.Writer.TryWrite(new ReceivedMessage(from ?? string.Empty, [.. to], data.ToString()));
                    await Say(stream, "250 2.0.0 accepted\r\n", cancellationToken);
                    break;
                case "QUIT":
                    await Say(stream, "221 bye\r\n", cancellationToken);
                    return;
                default:
                    await Say(stream, "250 ok\r\n", cancellationToken);
                    break;
            }
        }

        static string PathOf(string command)
        {
            var open = command.IndexOf('<', StringComparison.Ordinal);
            var close = command.IndexOf('>', open + 1);
            return open < 0 || close < 0 ? string.Empty : command[(open + 1)..close];
        }
    }

    public static async Task Stall(FakeServer server, NetworkStream stream, CancellationToken cancellationToken)
        => await Task.Delay(Timeout.Infinite, cancellationToken);

    public void Dispose()
    {
        stop.Cancel();
        listener.Stop();
    }

    private static Task Say(NetworkStream stream, string text, CancellationToken cancellationToken) => stream.WriteAsync(Encoding.ASCII.GetBytes(text), cancellationToken).AsTask();

    private static async Task<string?> ReadLineAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var line = new StringBuilder();
        var one = new byte[1];
        while (await stream.ReadAsync(one, cancellationToken) == 1)
        {
            if (one[0] == '\n')
            {
                return line.ToString().TrimEnd('\r');
            }

            line.Append((char)one[0]);
        }

        return null;
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

            Interlocked.Increment(ref connections);
            _ = Task.Run(async () =>
            {
                using (client)
                {
                    try
                    {
                        await behaviour(this, client.GetStream(), stop.Token);
                    }
                    catch (Exception ex) when (ex is IOException or OperationCanceledException or SocketException or ObjectDisposedException)
                    {
                    }
                }
            });
        }
    }
}
