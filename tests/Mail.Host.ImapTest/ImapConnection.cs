using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace Mail.Host.ImapTest;

/// <summary>
/// A raw IMAP client connection: writes command text as given and reads responses line by line with their literals
/// (<c>{n}</c>, <c>{n+}</c>, <c>~{n}</c>), so the runner sees exactly what the server sent. Text is Latin-1 (one char
/// per byte) in both directions. Certificates are not verified: it is a test tool for servers with test certificates.
/// </summary>
public sealed class ImapConnection : IAsyncDisposable
{
    private static readonly Encoding Latin1 = Encoding.Latin1;
    private readonly TcpClient client;
    private readonly byte[] buffer = new byte[64 * 1024];
    private Stream stream;
    private int start;
    private int end;

    private ImapConnection(TcpClient client, Stream stream)
    {
        this.client = client;
        this.stream = stream;
    }

    /// <summary>The greeting the server sent (after STARTTLS, the greeting before it).</summary>
    public ImapResponse Greeting { get; private set; } = new("*", [], "");

    /// <summary>True once the server closed the connection.</summary>
    public bool Closed { get; private set; }

    /// <summary>Receives every line written (prefixed "C: ") and read (prefixed "S: "), when set.</summary>
    public Action<string>? Trace { get; set; }

    /// <summary>How long one read may wait.</summary>
    public TimeSpan ReadTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Connects, secures the connection as asked and reads the greeting.</summary>
    public static async Task<ImapConnection> ConnectAsync(string host, int port, TlsMode tls, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var client = new TcpClient { NoDelay = true };
        try
        {
            using (var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                connectTimeout.CancelAfter(timeout);
                await client.ConnectAsync(host, port, connectTimeout.Token);
            }

            Stream stream = client.GetStream();
            if (tls == TlsMode.Implicit)
            {
                stream = await AuthenticateAsync(stream, host, cancellationToken);
            }

            var connection = new ImapConnection(client, stream) { ReadTimeout = timeout };
            connection.Greeting = await connection.ReadResponseAsync(cancellationToken)
                ?? throw new IOException($"{host}:{port} closed the connection before its greeting");
            if (tls == TlsMode.StartTls)
            {
                await connection.WriteAsync("S0 STARTTLS\r\n", cancellationToken);
                while (true)
                {
                    var response = await connection.ReadResponseAsync(cancellationToken) ?? throw new IOException("the connection closed during STARTTLS");
                    if (response.Tag == "S0")
                    {
                        if (response.First != "OK")
                        {
                            throw new IOException("STARTTLS refused: " + response.Text);
                        }

                        break;
                    }
                }

                if (connection.end != connection.start)
                {
                    throw new IOException("the server sent data after its STARTTLS reply, before the TLS handshake");
                }

                connection.stream = await AuthenticateAsync(connection.stream, host, cancellationToken);
            }

            return connection;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>Writes text as Latin-1 bytes.</summary>
    public async Task WriteAsync(string text, CancellationToken cancellationToken)
    {
        Trace?.Invoke("C: " + (text.Length > 300 ? text[..300] + "..." : text).TrimEnd('\r', '\n'));
        await stream.WriteAsync(Latin1.GetBytes(text), cancellationToken);
        await stream.FlushAsync(cancellationToken);
    }

    /// <summary>Reads one response with its literals; null when the server closed the connection.</summary>
    public async Task<ImapResponse?> ReadResponseAsync(CancellationToken cancellationToken)
    {
        var line = new StringBuilder();
        var shown = new StringBuilder();
        var literals = new List<string>();
        while (true)
        {
            var part = await ReadLineAsync(cancellationToken);
            if (part is null)
            {
                Closed = true;
                return null;
            }

            var (size, binary, prefixLength) = TrailingLiteral(part);
            if (size < 0)
            {
                line.Append(part);
                shown.Append(part);
                break;
            }

            line.Append(part, 0, prefixLength).Append(binary ? ImapTokenizer.Literal8Marker : ImapTokenizer.LiteralMarker);
            shown.Append(part);
            var data = await ReadExactAsync(size, cancellationToken);
            if (data is null)
            {
                Closed = true;
                return null;
            }

            literals.Add(data);
            shown.Append(data.Length > 200 ? data[..200].Replace("\r\n", "\\r\\n", StringComparison.Ordinal) + "..." : data.Replace("\r\n", "\\r\\n", StringComparison.Ordinal));
        }

        var text = line.ToString();
        Trace?.Invoke("S: " + (shown.Length > 300 ? shown.ToString(0, 300) + "..." : shown.ToString()));
        var space = text.IndexOf(' ', StringComparison.Ordinal);
        var tag = space < 0 ? text : text[..space];
        var rest = space < 0 ? "" : text[(space + 1)..];
        return new ImapResponse(tag, ImapTokenizer.Parse(rest, literals), shown.ToString());
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        try
        {
            await stream.DisposeAsync();
        }
        catch (IOException)
        {
            // Already gone.
        }

        client.Dispose();
    }

    /// <summary>Finds a literal announcement at the end of a line: <c>{n}</c>, <c>{n+}</c> or <c>~{n}</c>.</summary>
    internal static (int Size, bool Binary, int PrefixLength) TrailingLiteral(string line)
    {
        if (!line.EndsWith('}'))
        {
            return (-1, false, 0);
        }

        var open = line.LastIndexOf('{');
        if (open < 0)
        {
            return (-1, false, 0);
        }

        var digits = line[(open + 1)..^1].TrimEnd('+');
        if (digits.Length == 0 || !digits.All(char.IsAsciiDigit) || !int.TryParse(digits, out var size))
        {
            return (-1, false, 0);
        }

        var binary = open > 0 && line[open - 1] == '~';
        return (size, binary, binary ? open - 1 : open);
    }

    private static async Task<Stream> AuthenticateAsync(Stream inner, string host, CancellationToken cancellationToken)
    {
        var tls = new SslStream(inner, leaveInnerStreamOpen: false, (_, _, _, _) => true);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = host }, cancellationToken);
        return tls;
    }

    private async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        var line = new List<byte>();
        while (true)
        {
            var newline = Array.IndexOf(buffer, (byte)'\n', start, end - start);
            if (newline >= 0)
            {
                line.AddRange(buffer.AsSpan(start, newline - start).ToArray());
                start = newline + 1;
                if (line.Count > 0 && line[^1] == '\r')
                {
                    line.RemoveAt(line.Count - 1);
                }

                return Latin1.GetString(line.ToArray());
            }

            line.AddRange(buffer.AsSpan(start, end - start).ToArray());
            start = end = 0;
            if (!await FillAsync(cancellationToken))
            {
                return null;
            }
        }
    }

    private async Task<string?> ReadExactAsync(int size, CancellationToken cancellationToken)
    {
        var data = new byte[size];
        var filled = 0;
        while (filled < size)
        {
            if (start == end)
            {
                start = end = 0;
                if (!await FillAsync(cancellationToken))
                {
                    return null;
                }
            }

            var take = Math.Min(size - filled, end - start);
            Array.Copy(buffer, start, data, filled, take);
            start += take;
            filled += take;
        }

        return Latin1.GetString(data);
    }

    private async Task<bool> FillAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ReadTimeout);
        int read;
        try
        {
            read = await stream.ReadAsync(buffer.AsMemory(end), timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"no reply from the server within {ReadTimeout.TotalSeconds:0} s");
        }
        catch (IOException)
        {
            return false;
        }

        end += read;
        return read > 0;
    }
}
