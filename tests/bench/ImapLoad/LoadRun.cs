using System.Diagnostics;

namespace Mail.Host.ImapLoad;

/// <summary>
/// imaptest's default mix, per session: LOGIN; LIST (half of the sessions); STATUS (half); SELECT; FETCH of flags and
/// envelopes of up to 10 messages; FETCH of one whole body; STORE of flags (half); STORE \Deleted and EXPUNGE of one
/// message; APPEND of one message; LOGOUT. N clients run sessions back to back for a fixed time, all on one mailbox
/// (so expunges and appends of one client reach the others). Every command answered counts as one operation.
/// </summary>
internal sealed class LoadRun(LoadTarget target, MessageCorpus corpus, string mailbox)
{
    private long operations;
    private long refusals;
    private long failures;
    private int appendCursor;

    public long Operations => Interlocked.Read(ref operations);

    public long Refusals => Interlocked.Read(ref refusals);

    public long Failures => Interlocked.Read(ref failures);

    /// <summary>Empties the test mailbox and fills it with the corpus.</summary>
    public async Task SeedAsync(int messages, CancellationToken cancellationToken)
    {
        await using var client = await LoadClient.ConnectAsync(target, cancellationToken);
        if (!await client.CommandAsync($"LOGIN \"{target.User}\" \"{target.Password}\"", cancellationToken))
        {
            throw new IOException($"{target.Label}: LOGIN as {target.User} failed");
        }

        await client.CommandAsync("DELETE " + mailbox, cancellationToken);
        if (!await client.CommandAsync("CREATE " + mailbox, cancellationToken))
        {
            throw new IOException($"{target.Label}: CREATE {mailbox} failed");
        }

        for (var i = 0; i < messages; i++)
        {
            if (!await client.AppendAsync(mailbox, "", corpus[i], cancellationToken))
            {
                throw new IOException($"{target.Label}: APPEND failed while seeding");
            }
        }

        appendCursor = messages;
        await client.CommandAsync("LOGOUT", cancellationToken);
    }

    /// <summary>Runs <paramref name="clients"/> clients for <paramref name="duration"/>; operations per second.</summary>
    public async Task<double> RunAsync(int clients, TimeSpan duration, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var watch = Stopwatch.StartNew();
        stop.CancelAfter(duration);
        var tasks = Enumerable.Range(0, clients).Select(i => ClientAsync(i, stop.Token)).ToList();
        await Task.WhenAll(tasks);
        return Operations / watch.Elapsed.TotalSeconds;
    }

    private async Task ClientAsync(int index, CancellationToken stop)
    {
        var random = new Random(index * 7919 + 17);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await SessionAsync(random, stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is IOException or TimeoutException or System.Net.Sockets.SocketException)
            {
                Interlocked.Increment(ref failures);
            }
        }
    }

    private async Task SessionAsync(Random random, CancellationToken stop)
    {
        await using var client = await LoadClient.ConnectAsync(target, stop);
        await Count(client.CommandAsync($"LOGIN \"{target.User}\" \"{target.Password}\"", stop));
        if (random.Next(2) == 0)
        {
            await Count(client.CommandAsync("LIST \"\" *", stop));
        }

        if (random.Next(2) == 0)
        {
            await Count(client.CommandAsync($"STATUS {mailbox} (MESSAGES UNSEEN UIDNEXT)", stop));
        }

        await Count(client.CommandAsync("SELECT " + mailbox, stop));
        var exists = client.Exists;
        if (exists > 0)
        {
            var first = random.Next(1, exists + 1);
            await Count(client.CommandAsync($"FETCH {first}:{Math.Min(exists, first + 9)} (UID FLAGS ENVELOPE)", stop));
            await Count(client.CommandAsync($"FETCH {random.Next(1, exists + 1)} (UID BODY.PEEK[])", stop));
            if (random.Next(2) == 0)
            {
                var sign = random.Next(2) == 0 ? '+' : '-';
                await Count(client.CommandAsync($"STORE {random.Next(1, exists + 1)} {sign}FLAGS (\\Seen \\Flagged)", stop));
            }

            exists = Math.Max(1, client.Exists);
            await Count(client.CommandAsync($"STORE {random.Next(1, exists + 1)} +FLAGS.SILENT (\\Deleted)", stop));
            await Count(client.CommandAsync("EXPUNGE", stop));
        }

        var message = corpus[Interlocked.Increment(ref appendCursor)];
        await Count(client.AppendAsync(mailbox, "\\Seen", message, stop));
        await Count(client.CommandAsync("LOGOUT", stop));
    }

    private async Task Count(Task<bool> command)
    {
        var ok = await command;
        Interlocked.Increment(ref operations);
        if (!ok)
        {
            Interlocked.Increment(ref refusals);
        }
    }
}
