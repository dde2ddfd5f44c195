using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Mail.Host.ImapLoad;

/// <summary>
/// SEARCH BODY over a large mailbox: fills a mailbox with N generated plain-text messages (the same on every server,
/// APPENDs pipelined 100 at a time), then times <c>UID SEARCH BODY</c> for a word in every message, a word in one
/// message of a thousand, and a word in one message only, each repeated, and checks that every server finds the same
/// number of messages.
/// </summary>
internal sealed class SearchRun(LoadTarget target, string mailbox, string? maildir = null)
{
    private const int Batch = 100;

    /// <summary>The searches: what each looks for and how many messages of <paramref name="messages"/> must match.</summary>
    /// <param name="messages">The messages in the mailbox.</param>
    /// <returns>Label, search key and expected count.</returns>
    public static IReadOnlyList<(string Label, string Word, int Expected)> Queries(int messages) =>
    [
        ("one in a thousand", "needle", (messages + 999) / 1000),
        ("one message", "unique" + (messages / 2).ToString(CultureInfo.InvariantCulture), messages > 0 ? 1 : 0),
        ("no message", "absentword", 0),
    ];

    /// <summary>Empties the mailbox and appends the messages; returns how long it took.</summary>
    public async Task<TimeSpan> SeedAsync(int messages, CancellationToken cancellationToken)
    {
        await using var client = await LoginAsync(cancellationToken);
        await client.CommandAsync("DELETE " + mailbox, cancellationToken);
        if (!await client.CommandAsync("CREATE " + mailbox, cancellationToken))
        {
            throw new IOException($"{target.Label}: CREATE {mailbox} failed");
        }

        var watch = Stopwatch.StartNew();
        if (maildir is not null)
        {
            await client.CommandAsync("LOGOUT", cancellationToken);
            await WriteMaildirAsync(messages, cancellationToken);
            return watch.Elapsed;
        }

        for (var start = 0; start < messages; start += Batch)
        {
            var count = Math.Min(Batch, messages - start);
            if (!await client.AppendPipelinedAsync(mailbox, Enumerable.Range(start, count).Select(Message), cancellationToken))
            {
                throw new IOException($"{target.Label}: APPEND failed while seeding the search mailbox (message {start} or after)");
            }

            if ((start + count) % 10_000 == 0)
            {
                Console.WriteLine($"{target.Label}: {start + count} messages appended ({(start + count) / watch.Elapsed.TotalSeconds:0}/s)");
            }
        }

        await client.CommandAsync("LOGOUT", cancellationToken);
        return watch.Elapsed;
    }

    /// <summary>Times one search <paramref name="repeats"/> times in one session; milliseconds of each and the count found.</summary>
    public async Task<(List<double> Milliseconds, int Found)> SearchAsync(string word, int repeats, CancellationToken cancellationToken)
    {
        await using var client = await LoginAsync(cancellationToken);
        if (!await client.CommandAsync("SELECT " + mailbox, cancellationToken))
        {
            throw new IOException($"{target.Label}: SELECT {mailbox} failed");
        }

        var times = new List<double>();
        var found = -1;
        for (var i = 0; i < repeats; i++)
        {
            var watch = Stopwatch.StartNew();
            var uids = await client.SearchAsync("UID SEARCH BODY " + word, cancellationToken)
                ?? throw new IOException($"{target.Label}: UID SEARCH BODY {word} was refused");
            times.Add(watch.Elapsed.TotalMilliseconds);
            found = uids;
        }

        await client.CommandAsync("LOGOUT", cancellationToken);
        return (times, found);
    }

    /// <summary>The message at an index: plain text of about 2-6 KB, with the marker words the searches look for.</summary>
    public static string Message(int index)
    {
        var random = new Random(unchecked(20261129 + index * 7919));
        var text = new StringBuilder(6 * 1024);
        text.Append("From: Sender ").Append(index % 50).Append(" <user").Append(index % 50).Append("@sender.example>\r\n");
        text.Append("To: search@bench.example\r\n");
        text.Append("Subject: ").Append(MessageCorpus.Words[random.Next(MessageCorpus.Words.Length)]).Append(" #").Append(index).Append("\r\n");
        text.Append("Date: ").Append(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddMinutes(index).ToString("ddd, dd MMM yyyy HH:mm:ss +0000", CultureInfo.InvariantCulture)).Append("\r\n");
        text.Append("Message-ID: <search-").Append(index).Append("@bench.example>\r\n");
        text.Append("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n");
        var size = 2048 + random.Next(4096);
        var line = new StringBuilder();
        var markerAt = random.Next(size / 2);
        while (text.Length < size)
        {
            line.Append(MessageCorpus.Words[random.Next(MessageCorpus.Words.Length)]).Append(' ');
            if (text.Length >= markerAt && markerAt >= 0)
            {
                line.Append("unique").Append(index).Append(' ');
                if (index % 1000 == 0)
                {
                    line.Append("needle ");
                }

                markerAt = -1;
            }

            if (line.Length > 70)
            {
                text.Append(line).Append("\r\n");
                line.Clear();
            }
        }

        text.Append(line).Append("\r\n");
        return text.ToString();
    }

    /// <summary>
    /// Writes the messages straight into the server's Maildir++ folder of the mailbox (which CREATE made), under the
    /// folder's owner, for a server whose APPEND is too slow to fill a large mailbox in reasonable time. The server
    /// indexes them at the first SELECT, outside the timed searches.
    /// </summary>
    private async Task WriteMaildirAsync(int messages, CancellationToken cancellationToken)
    {
        var folder = Path.Combine(maildir!, "." + mailbox);
        var cur = Path.Combine(folder, "cur");
        if (!Directory.Exists(cur))
        {
            throw new IOException($"{target.Label}: {cur} does not exist after CREATE {mailbox}: is {maildir} the user's Maildir?");
        }

        var stamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        for (var i = 0; i < messages; i++)
        {
            var text = Message(i);
            await File.WriteAllTextAsync(Path.Combine(cur, $"{stamp}.M{i}P0.bench,S={text.Length}:2,"), text, cancellationToken);
            if ((i + 1) % 10_000 == 0)
            {
                Console.WriteLine($"{target.Label}: {i + 1} messages written to {cur}");
            }
        }

        using var chown = Process.Start(new ProcessStartInfo("chown", ["-R", "--reference=" + folder, folder]) { UseShellExecute = false })
            ?? throw new IOException("chown could not be started");
        await chown.WaitForExitAsync(cancellationToken);
        if (chown.ExitCode != 0)
        {
            throw new IOException($"chown of {folder} failed ({chown.ExitCode})");
        }
    }

    private async Task<LoadClient> LoginAsync(CancellationToken cancellationToken)
    {
        var client = await LoadClient.ConnectAsync(target, cancellationToken);
        if (!await client.CommandAsync($"LOGIN \"{target.User}\" \"{target.Password}\"", cancellationToken))
        {
            await client.DisposeAsync();
            throw new IOException($"{target.Label}: LOGIN as {target.User} failed");
        }

        return client;
    }
}
