using System.Net.Sockets;
using System.Text;

namespace Mail.Host.IntegrationTests;

/// <summary>A raw SMTP connection for tests: send exact bytes, read replies (multi-line replies joined by newlines).</summary>
public sealed class SmtpWire : IDisposable
{
    private readonly TcpClient client;
    private readonly NetworkStream stream;
    private readonly List<byte> pending = [];

    private SmtpWire(TcpClient client)
    {
        this.client = client;
        stream = client.GetStream();
        stream.ReadTimeout = 30_000;
    }

    public static async Task<SmtpWire> ConnectAsync(int port)
    {
        var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        return new SmtpWire(client);
    }

    public NetworkStream Stream => stream;

    public Task SendAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text));

    public async Task SendAsync(byte[] bytes)
    {
        await stream.WriteAsync(bytes);
        await stream.FlushAsync();
    }

    /// <summary>Sends a line (CRLF added) and reads one reply.</summary>
    public async Task<string> CommandAsync(string line)
    {
        await SendAsync(line + "\r\n");
        return await ReplyAsync();
    }

    /// <summary>Reads one reply; null when the server closed the connection.</summary>
    public async Task<string?> TryReplyAsync()
    {
        var lines = new List<string>();
        while (true)
        {
            var line = await LineAsync();
            if (line is null)
            {
                return lines.Count == 0 ? null : string.Join('\n', lines);
            }

            lines.Add(line);
            if (line.Length < 4 || line[3] != '-')
            {
                return string.Join('\n', lines);
            }
        }
    }

    public async Task<string> ReplyAsync() => await TryReplyAsync() ?? throw new IOException("The server closed the connection.");

    /// <summary>True once the server has closed the connection (reads return 0).</summary>
    public async Task<bool> IsClosedAsync()
    {
        try
        {
            return await TryReplyAsync() is null;
        }
        catch (IOException)
        {
            return true;
        }
    }

    public void Dispose() => client.Dispose();

    private async Task<string?> LineAsync()
    {
        var buffer = new byte[4096];
        while (true)
        {
            var index = pending.IndexOf((byte)'\n');
            if (index >= 0)
            {
                var line = Encoding.UTF8.GetString(pending.Take(index).ToArray()).TrimEnd('\r');
                pending.RemoveRange(0, index + 1);
                return line;
            }

            var read = await stream.ReadAsync(buffer);
            if (read == 0)
            {
                return null;
            }

            pending.AddRange(buffer.AsSpan(0, read));
        }
    }
}
