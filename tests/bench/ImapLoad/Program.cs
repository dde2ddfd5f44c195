using System.Globalization;
using Mail.Host.ImapLoad;

return await LoadCommand.RunAsync(args);

/// <summary>The mailhost-imapload command line.</summary>
internal static class LoadCommand
{
    private const string Usage = """
        Usage: mailhost-imapload --server LABEL=HOST:PORT:USER:PASSWORD[:PID] [--server ...] [options]

        Runs N concurrent IMAP clients doing imaptest's default mix (LOGIN, LIST, STATUS, SELECT, FETCH flags and
        envelopes, FETCH body, STORE flags, STORE \Deleted + EXPUNGE, APPEND, LOGOUT) for a fixed time against each
        server in turn, on a mailbox filled with the same generated messages, and prints operations/s for each and
        the ratio of the first server to the others. With --idle N it also opens N connections in IDLE and prints the
        server's resident memory per idle connection (RSS and PSS of PID and its child processes, before and after).
        The mailbox given by --mailbox is deleted and recreated on each server: use test accounts.

          --server SPEC        LABEL=HOST:PORT:USER:PASSWORD[:PID] (plain IMAP; PID only for --idle); repeatable
          --clients LIST       concurrent clients, comma-separated (default 10,50)
          --seconds N          duration of each run (default 30)
          --messages N         messages in the mailbox before each run (default 1000)
          --mailbox NAME       the test mailbox (default loadtest)
          --idle N             connections for the idle-memory measurement (default 0: not measured)
          --search N           SEARCH BODY over N messages instead of the mix (the mix runs too when --clients is
                               also given): fills the mailbox given by --search-mailbox on each server with the same
                               N plain-text messages, then times UID SEARCH BODY for a word in 1 of 1,000 messages, in
                               one message and in none; prints the first and the median time and the ratios
          --search-mailbox NAME  the mailbox for --search (default searchtest)
          --repeats N          times each search runs (default 5)
          --maildir LABEL=DIR  fill that server's search mailbox by writing files into its Maildir++ folder DIR
                               (the user's maildir) instead of APPEND, for servers too slow to take N APPENDs
          -h, --help           this text
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        var targets = new List<LoadTarget>();
        var clients = new List<int> { 10, 50 };
        var seconds = 30;
        var messages = 1000;
        var mailbox = "loadtest";
        var idle = 0;
        var search = 0;
        var searchMailbox = "searchtest";
        var repeats = 5;
        var clientsGiven = false;
        var maildirs = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            for (var i = 0; i < args.Length; i++)
            {
                string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
                int Number(string name) => int.TryParse(Value(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 0 ? n : throw new ArgumentException($"{name} needs a number");
                switch (args[i])
                {
                    case "-h" or "--help":
                        Console.WriteLine(Usage);
                        return 0;
                    case "--server": targets.Add(LoadTarget.Parse(Value())); break;
                    case "--clients":
                        clientsGiven = true;
                        clients = [.. Value().Split(',').Select(c => int.TryParse(c, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : throw new ArgumentException("--clients needs positive numbers, e.g. 10,50"))];
                        break;
                    case "--seconds": seconds = Math.Max(1, Number("--seconds")); break;
                    case "--messages": messages = Number("--messages"); break;
                    case "--mailbox": mailbox = Value(); break;
                    case "--idle": idle = Number("--idle"); break;
                    case "--search": search = Number("--search"); break;
                    case "--search-mailbox": searchMailbox = Value(); break;
                    case "--repeats": repeats = Math.Max(1, Number("--repeats")); break;
                    case "--maildir":
                        var spec = Value().Split('=', 2);
                        maildirs[spec[0]] = spec.Length == 2 && spec[1].Length > 0 ? spec[1] : throw new ArgumentException("--maildir needs LABEL=DIR");
                        break;
                    default: throw new ArgumentException($"unknown argument {args[i]}");
                }
            }

            if (targets.Count == 0)
            {
                throw new ArgumentException("at least one --server is required");
            }

            if (idle > 0 && targets.Any(t => t.Pid is null))
            {
                throw new ArgumentException("--idle needs each server's PID (LABEL=HOST:PORT:USER:PASSWORD:PID)");
            }
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync($"mailhost-imapload: {e.Message}\nRun mailhost-imapload --help for the options.");
            return 2;
        }

        ThreadPool.SetMinThreads(Math.Max(64, clients.Max() * 2), 64);
        var corpus = new MessageCorpus(Math.Max(messages, 1) + 1000);
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };

        try
        {
            if (search > 0)
            {
                await SearchAsync(targets, search, searchMailbox, repeats, maildirs, cancel.Token);
                if (!clientsGiven)
                {
                    clients = [];
                }
            }

            if (clients.Count > 0)
            {
                Console.WriteLine($"imap-load: imaptest default mix, {seconds} s per run, {messages} messages in {mailbox}");
            }

            var rates = new Dictionary<(string, int), double>();
            foreach (var count in clients)
            {
                foreach (var target in targets)
                {
                    var run = new LoadRun(target, corpus, mailbox);
                    await run.SeedAsync(messages, cancel.Token);
                    var rate = await run.RunAsync(count, TimeSpan.FromSeconds(seconds), cancel.Token);
                    rates[(target.Label, count)] = rate;
                    Console.WriteLine($"{target.Label}: {count} clients: {rate:0} operations/s ({run.Operations} operations, {run.Refusals} answered NO/BAD, {run.Failures} sessions broken)");
                }

                for (var i = 1; i < targets.Count; i++)
                {
                    var theirs = rates[(targets[i].Label, count)];
                    Console.WriteLine($"ratio {targets[0].Label}/{targets[i].Label} at {count} clients: {(theirs > 0 ? rates[(targets[0].Label, count)] / theirs : double.NaN):0.00}x");
                }
            }

            if (idle > 0)
            {
                foreach (var target in targets)
                {
                    var memory = await IdleMemory.MeasureAsync(target, idle, Console.Out, cancel.Token);
                    Console.WriteLine($"{target.Label}: {idle} idle connections: RSS {memory.RssBeforeKiB / 1024.0:0.0} -> {memory.RssAfterKiB / 1024.0:0.0} MiB, "
                        + $"{memory.RssPerConnectionKiB:0.0} KiB RSS and {memory.PssPerConnectionKiB:0.0} KiB PSS per connection ({memory.Processes} processes)");
                }
            }
        }
        catch (OperationCanceledException)
        {
            await Console.Error.WriteLineAsync("mailhost-imapload: interrupted");
            return 1;
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or TimeoutException)
        {
            await Console.Error.WriteLineAsync($"mailhost-imapload: {e.Message}");
            return 1;
        }

        return 0;
    }

    private static async Task SearchAsync(List<LoadTarget> targets, int messages, string mailbox, int repeats, Dictionary<string, string> maildirs, CancellationToken cancellationToken)
    {
        Console.WriteLine($"imap-load: UID SEARCH BODY over {messages} messages in {mailbox}, each search {repeats} times");
        var medians = new Dictionary<(string Target, string Query), double>();
        foreach (var target in targets)
        {
            var run = new SearchRun(target, mailbox, maildirs.GetValueOrDefault(target.Label));
            var fill = await run.SeedAsync(messages, cancellationToken);
            Console.WriteLine($"{target.Label}: {messages} messages {(maildirs.ContainsKey(target.Label) ? "written to its maildir" : "appended")} in {fill.TotalSeconds:0} s ({messages / fill.TotalSeconds:0}/s)");
            foreach (var (label, word, expected) in SearchRun.Queries(messages))
            {
                var (times, found) = await run.SearchAsync(word, repeats, cancellationToken);
                if (found != expected)
                {
                    throw new IOException($"{target.Label}: SEARCH BODY {word} found {found} messages, not {expected}");
                }

                var sorted = times.Order().ToList();
                medians[(target.Label, label)] = sorted[sorted.Count / 2];
                Console.WriteLine($"{target.Label}: SEARCH BODY, a word in {label} ({found} found): first {times[0]:0.0} ms, median {sorted[sorted.Count / 2]:0.0} ms, slowest {sorted[^1]:0.0} ms");
            }
        }

        foreach (var (label, _, _) in SearchRun.Queries(messages))
        {
            for (var i = 1; i < targets.Count; i++)
            {
                var ours = medians[(targets[0].Label, label)];
                var theirs = medians[(targets[i].Label, label)];
                Console.WriteLine($"ratio {targets[i].Label}/{targets[0].Label} median time, a word in {label}: {(ours > 0 ? theirs / ours : double.NaN):0.0}x ({targets[0].Label} is that many times faster)");
            }
        }
    }
}
