using System.Globalization;
using System.Text;
using Mail.Host.ImapTest;

namespace Mail.Host.ImapLoad;

/// <summary>One IMAP session of the load: commands sent one at a time, each answered before the next.</summary>
internal sealed class LoadClient : IAsyncDisposable
{
    private readonly ImapConnection connection;
    private int tag;

    private LoadClient(ImapConnection connection, bool literalPlus)
    {
        this.connection = connection;
        LiteralPlus = literalPlus;
    }

    public bool LiteralPlus { get; }

    /// <summary>The last EXISTS the server reported.</summary>
    public int Exists { get; private set; }

    public static async Task<LoadClient> ConnectAsync(LoadTarget target, CancellationToken cancellationToken)
    {
        var connection = await ImapConnection.ConnectAsync(target.Host, target.Port, TlsMode.None, TimeSpan.FromSeconds(60), cancellationToken);
        var greeting = connection.Greeting.Arguments.Skip(1).FirstOrDefault()?.Text ?? "";
        return new LoadClient(connection, greeting.Contains("LITERAL+", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Sends a command and reads to its tagged reply; true for OK.</summary>
    public async Task<bool> CommandAsync(string command, CancellationToken cancellationToken)
    {
        var current = "L" + (++tag).ToString(CultureInfo.InvariantCulture);
        await connection.WriteAsync(current + " " + command + "\r\n", cancellationToken);
        return await ReplyAsync(current, cancellationToken);
    }

    /// <summary>APPENDs a message (LITERAL+ when the server offers it, else a synchronizing literal).</summary>
    public async Task<bool> AppendAsync(string mailbox, string flags, string message, CancellationToken cancellationToken)
    {
        var current = "L" + (++tag).ToString(CultureInfo.InvariantCulture);
        if (LiteralPlus)
        {
            await connection.WriteAsync($"{current} APPEND {mailbox} ({flags}) {{{message.Length}+}}\r\n{message}\r\n", cancellationToken);
            return await ReplyAsync(current, cancellationToken);
        }

        await connection.WriteAsync($"{current} APPEND {mailbox} ({flags}) {{{message.Length}}}\r\n", cancellationToken);
        while (true)
        {
            var response = await connection.ReadResponseAsync(cancellationToken) ?? throw new IOException("the server closed the connection");
            if (response.IsContinuation)
            {
                break;
            }

            if (response.Tag == current)
            {
                return false;
            }
        }

        await connection.WriteAsync(message + "\r\n", cancellationToken);
        return await ReplyAsync(current, cancellationToken);
    }

    /// <summary>APPENDs several messages with LITERAL+ in one write, then reads every reply; true when all are OK.</summary>
    public async Task<bool> AppendPipelinedAsync(string mailbox, IEnumerable<string> messages, CancellationToken cancellationToken)
    {
        if (!LiteralPlus)
        {
            foreach (var message in messages)
            {
                if (!await AppendAsync(mailbox, "", message, cancellationToken))
                {
                    return false;
                }
            }

            return true;
        }

        var tags = new List<string>();
        var batch = new StringBuilder();
        foreach (var message in messages)
        {
            var current = "L" + (++tag).ToString(CultureInfo.InvariantCulture);
            tags.Add(current);
            batch.Append(current).Append(" APPEND ").Append(mailbox).Append(" {").Append(message.Length).Append("+}\r\n").Append(message).Append("\r\n");
        }

        await connection.WriteAsync(batch.ToString(), cancellationToken);
        var ok = true;
        foreach (var current in tags)
        {
            ok &= await ReplyAsync(current, cancellationToken);
        }

        return ok;
    }

    /// <summary>Runs a SEARCH (or UID SEARCH) and returns how many numbers it answered; null when refused.</summary>
    public async Task<int?> SearchAsync(string command, CancellationToken cancellationToken)
    {
        var current = "L" + (++tag).ToString(CultureInfo.InvariantCulture);
        await connection.WriteAsync(current + " " + command + "\r\n", cancellationToken);
        var found = 0;
        while (true)
        {
            var response = await connection.ReadResponseAsync(cancellationToken) ?? throw new IOException("the server closed the connection");
            if (response.Tag == current)
            {
                return response.First == "OK" ? found : null;
            }

            if (response.IsUntagged && response.First == "SEARCH")
            {
                found += response.Arguments.Count - 1;
            }
        }
    }

    /// <summary>Enters IDLE and waits for the continuation.</summary>
    public async Task IdleAsync(CancellationToken cancellationToken)
    {
        var current = "L" + (++tag).ToString(CultureInfo.InvariantCulture);
        await connection.WriteAsync(current + " IDLE\r\n", cancellationToken);
        while (true)
        {
            var response = await connection.ReadResponseAsync(cancellationToken) ?? throw new IOException("the server closed the connection");
            if (response.IsContinuation)
            {
                return;
            }

            if (response.Tag == current)
            {
                throw new IOException("IDLE refused: " + response.Text);
            }
        }
    }

    public async ValueTask DisposeAsync() => await connection.DisposeAsync();

    private async Task<bool> ReplyAsync(string current, CancellationToken cancellationToken)
    {
        while (true)
        {
            var response = await connection.ReadResponseAsync(cancellationToken) ?? throw new IOException("the server closed the connection");
            if (response.Tag == current)
            {
                return response.First == "OK";
            }

            if (response.IsUntagged && response.Arguments.Count >= 2 && response.Arguments[1].IsString
                && int.TryParse(response.Arguments[0].Text, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                if (response.Arguments[1].Text.Equals("EXISTS", StringComparison.OrdinalIgnoreCase))
                {
                    Exists = number;
                }
                else if (response.Arguments[1].Text.Equals("EXPUNGE", StringComparison.OrdinalIgnoreCase))
                {
                    Exists = Math.Max(0, Exists - 1);
                }
            }
        }
    }
}
