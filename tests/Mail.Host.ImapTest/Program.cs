using System.Globalization;
using System.Text.Json;
using Mail.Host.ImapTest;

return await CommandLine.RunAsync(args);

/// <summary>The mailhost-imaptest command line.</summary>
internal static class CommandLine
{
    private const string Usage = """
        Usage: mailhost-imaptest --scripts DIR --user NAME --password SECRET [options] [SCRIPT...]

        Runs Dovecot's scripted IMAP tests (imaptest format: NAME with NAME.mbox or default.mbox) against a server and
        prints PASS, FAIL (with the script line, the command and the first difference) or SKIP (with the capability the
        server lacks) per script. Each script deletes and recreates the test mailbox and every mailbox whose name
        starts with it: use a dedicated test account.

          --host HOST          server address (default 127.0.0.1)
          --port PORT          server port (default 143; 993 with --tls implicit)
          --tls MODE           none (default), starttls or implicit; certificates are not verified
          --user NAME          the test user
          --password SECRET    its password (or MAILHOST_IMAPTEST_PASSWORD)
          --user2 NAME         a second user, for scripts with "user 2: $user2"; they are skipped without it
          --password2 SECRET   its password (or MAILHOST_IMAPTEST_PASSWORD2)
          --scripts DIR        the folder of scripts
          --mailbox NAME       the test mailbox (default imaptest)
          --timeout SECONDS    how long one reply may take (default 30)
          --json FILE          also write the results as JSON (script, result, reason, line, command, ms)
          --trace              print every line sent and received to stderr
          --list               list the scripts of the folder and exit
          -h, --help           this text

        SCRIPT...  run only these scripts (file names in DIR).
        Exit codes: 0 no script failed, 1 at least one failed, 2 bad arguments.
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        var options = new ImapTestOptions();
        string? json = null;
        var list = false;
        var portGiven = false;
        try
        {
            for (var i = 0; i < args.Length; i++)
            {
                string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
                switch (args[i])
                {
                    case "-h" or "--help":
                        Console.WriteLine(Usage);
                        return 0;
                    case "--host": options.Host = Value(); break;
                    case "--port":
                        options.Port = int.TryParse(Value(), NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and < 65536
                            ? port : throw new ArgumentException("--port must be 1 to 65535");
                        portGiven = true;
                        break;
                    case "--tls":
                        options.Tls = Value().ToLowerInvariant() switch
                        {
                            "none" or "plain" => TlsMode.None,
                            "starttls" => TlsMode.StartTls,
                            "implicit" or "tls" => TlsMode.Implicit,
                            var other => throw new ArgumentException($"--tls {other}: use none, starttls or implicit"),
                        };
                        break;
                    case "--user": options.User = Value(); break;
                    case "--password": options.Password = Value(); break;
                    case "--user2": options.User2 = Value(); break;
                    case "--password2": options.Password2 = Value(); break;
                    case "--scripts": options.ScriptsFolder = Value(); break;
                    case "--mailbox": options.Mailbox = Value(); break;
                    case "--timeout":
                        options.Timeout = TimeSpan.FromSeconds(int.TryParse(Value(), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds > 0
                            ? seconds : throw new ArgumentException("--timeout must be a positive number of seconds"));
                        break;
                    case "--json": json = Value(); break;
                    case "--trace": options.Trace = line => Console.Error.WriteLine(line); break;
                    case "--list": list = true; break;
                    default:
                        if (args[i].StartsWith('-'))
                        {
                            throw new ArgumentException($"unknown option {args[i]}");
                        }

                        options.Scripts.Add(args[i]);
                        break;
                }
            }

            if (!portGiven && options.Tls == TlsMode.Implicit)
            {
                options.Port = 993;
            }

            if (options.ScriptsFolder.Length == 0)
            {
                throw new ArgumentException("--scripts DIR is required");
            }

            if (!Directory.Exists(options.ScriptsFolder))
            {
                throw new ArgumentException($"the scripts folder {options.ScriptsFolder} does not exist");
            }

            if (list)
            {
                foreach (var name in ImapTestRunner.FindScripts(options.ScriptsFolder))
                {
                    Console.WriteLine(name);
                }

                return 0;
            }

            options.Password = options.Password.Length > 0 ? options.Password : Environment.GetEnvironmentVariable("MAILHOST_IMAPTEST_PASSWORD") ?? "";
            options.Password2 ??= Environment.GetEnvironmentVariable("MAILHOST_IMAPTEST_PASSWORD2");
            if (options.User.Length == 0 || options.Password.Length == 0)
            {
                throw new ArgumentException("--user and --password are required");
            }

            var unknown = options.Scripts.Where(s => !File.Exists(Path.Combine(options.ScriptsFolder, s))).ToList();
            if (unknown.Count > 0)
            {
                throw new ArgumentException($"no such script in {options.ScriptsFolder}: {string.Join(", ", unknown)}");
            }
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync($"mailhost-imaptest: {e.Message}\nRun mailhost-imaptest --help for the options.");
            return 2;
        }

        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };

        IReadOnlyList<ScriptResult> results;
        try
        {
            results = await new ImapTestRunner(options).RunAsync(r => Console.WriteLine(r.Describe()), cancel.Token);
        }
        catch (OperationCanceledException)
        {
            await Console.Error.WriteLineAsync("mailhost-imaptest: interrupted");
            return 1;
        }

        var passed = results.Count(r => r.Outcome == ScriptOutcome.Pass);
        var failed = results.Count(r => r.Outcome == ScriptOutcome.Fail);
        var skipped = results.Count(r => r.Outcome == ScriptOutcome.Skip);
        Console.WriteLine($"{results.Count} scripts: {passed} passed, {failed} failed, {skipped} skipped ({options.Host}:{options.Port})");
        if (json is not null)
        {
            await File.WriteAllTextAsync(json, ResultsJson.Write(options, results));
        }

        return failed > 0 ? 1 : 0;
    }
}
