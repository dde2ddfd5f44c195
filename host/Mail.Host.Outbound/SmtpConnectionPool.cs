using System.Collections.Concurrent;

namespace Mail.Host.Outbound;

/// <summary>
/// Idle SMTP connections kept after a successful transaction, by destination (host, address, port and the TLS
/// demands of the message), so the next message to the same server skips the TCP connect, greeting, EHLO, STARTTLS
/// and AUTH. A connection is kept at most <c>maxIdle</c> without use and for at most <c>maxTransactions</c> messages;
/// expired ones are closed with QUIT by <see cref="SweepAsync"/>.
/// </summary>
internal sealed class SmtpConnectionPool(TimeSpan maxIdle, int maxPerDestination, int maxTransactions)
{
    private readonly ConcurrentDictionary<string, ConcurrentQueue<RemoteSmtpClient>> idle = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Whether any connection is idle in the pool (so a sweep is due soon).</summary>
    public bool HasIdle => idle.Values.Any(q => !q.IsEmpty);

    /// <summary>A connected idle client for the destination, or null.</summary>
    public RemoteSmtpClient? TryTake(string destination)
    {
        if (!idle.TryGetValue(destination, out var queue))
        {
            return null;
        }

        while (queue.TryDequeue(out var client))
        {
            if (client.IsConnected && DateTimeOffset.UtcNow - client.IdleSince < maxIdle)
            {
                return client;
            }

            client.Dispose();
        }

        return null;
    }

    /// <summary>Keeps the client for the next message to the destination; false when it should be closed instead.</summary>
    public bool TryReturn(string destination, RemoteSmtpClient client)
    {
        if (maxIdle <= TimeSpan.Zero || !client.IsConnected || client.Transactions >= maxTransactions)
        {
            return false;
        }

        var queue = idle.GetOrAdd(destination, _ => new ConcurrentQueue<RemoteSmtpClient>());
        if (queue.Count >= maxPerDestination)
        {
            return false;
        }

        client.IdleSince = DateTimeOffset.UtcNow;
        queue.Enqueue(client);
        return true;
    }

    /// <summary>Closes (QUIT) the connections idle for too long, or all of them.</summary>
    public async Task SweepAsync(bool all, CancellationToken cancellationToken)
    {
        foreach (var (destination, queue) in idle)
        {
            var count = queue.Count;
            for (var i = 0; i < count && queue.TryDequeue(out var client); i++)
            {
                if (!all && client.IsConnected && DateTimeOffset.UtcNow - client.IdleSince < maxIdle)
                {
                    queue.Enqueue(client);
                    continue;
                }

                await CloseAsync(client, cancellationToken).ConfigureAwait(false);
            }

            if (queue.IsEmpty)
            {
                idle.TryRemove(new KeyValuePair<string, ConcurrentQueue<RemoteSmtpClient>>(destination, queue));
            }
        }
    }

    /// <summary>QUIT and close, ignoring a server that is already gone.</summary>
    public static async Task CloseAsync(RemoteSmtpClient client, CancellationToken cancellationToken)
    {
        try
        {
            if (client.IsConnected)
            {
                await client.DisconnectAsync(true, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or MailKit.ProtocolException or MailKit.Net.Smtp.SmtpCommandException or OperationCanceledException or TimeoutException)
        {
        }
        finally
        {
            client.Dispose();
        }
    }
}
