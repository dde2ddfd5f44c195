using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace Mail.Host.IntegrationTests;

/// <summary>A raw IMAP connection for tests: send exact bytes, read lines up to a tagged response.</summary>
public sealed class ImapWire : IDisposable
{
    private readonly TcpClient client;
    private readonly Stream stream;
    private readonly byte[] buffer = new byte[64 * 1024];
    private int start;
    private int end;

    private ImapWire(TcpClient client, Stream stream)
    {
        this.client = client;
        this.stream = stream;
    }

    public static async Task<ImapWire> ConnectAsync(int port, bool implicitTls = false)
    {
        var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        Stream stream = client.GetStream();
        if (implicitTls)
        {
            var ssl = new SslStream(stream, false, (_, _, _, _) => true);
            await ssl.AuthenticateAsClientAsync("localhost");
            stream = ssl;
        }

        return new ImapWire(client, stream);
    }

    public Task SendAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text));

    public async Task SendAsync(byte[] bytes)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await stream.WriteAsync(bytes, timeout.Token);
        await stream.FlushAsync(timeout.Token);
    }

    /// <summary>Reads the greeting line.</summary>
    public async Task<string> GreetingAsync() => await LineAsync() ?? throw new IOException("Closed before the greeting");

    /// <summary>Sends <c>tag command</c> and returns every line up to and including the tagged response.</summary>
    public async Task<List<string>> CommandAsync(string tag, string command)
    {
        await SendAsync($"{tag} {command}\r\n");
        return await UntilTaggedAsync(tag);
    }

    /// <summary>Reads lines up to and including the one that starts with the tag.</summary>
    public async Task<List<string>> UntilTaggedAsync(string tag)
    {
        var lines = new List<string>();
        while (true)
        {
            var line = await LineAsync() ?? throw new IOException("Closed before the tagged response; got:\n" + string.Join('\n', lines));
            lines.Add(line);
            if (line.StartsWith(tag + " ", StringComparison.Ordinal))
            {
                return lines;
            }
        }
    }

    /// <summary>Reads one line (literal bytes included in it as text), or null when the server closed the connection.</summary>
    public async Task<string?> LineAsync(TimeSpan? timeout = null)
    {
        using var limit = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        var line = new List<byte>();
        while (true)
        {
            if (start == end)
            {
                start = 0;
                end = await stream.ReadAsync(buffer, limit.Token);
                if (end == 0)
                {
                    return line.Count == 0 ? null : Encoding.UTF8.GetString([.. line]);
                }
            }

            var b = buffer[start++];
            if (b == (byte)'\n')
            {
                if (line.Count > 0 && line[^1] == (byte)'\r')
                {
                    line.RemoveAt(line.Count - 1);
                }

                return Encoding.UTF8.GetString([.. line]);
            }

            line.Add(b);
        }
    }

    public void Dispose()
    {
        stream.Dispose();
        client.Dispose();
    }
}
