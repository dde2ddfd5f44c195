using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Mail.Host.ImapTest;

/// <summary>
/// Runs scripts in Dovecot's imaptest format against an IMAP server. For each script it logs in every connection
/// the script asks for, checks the capabilities it needs (skipping the script, with the capability named, when one
/// is missing), prepares the test mailbox as the <c>state:</c> header says (deletes every mailbox whose name starts
/// with it, creates it, appends the <c>messages:</c> from the script's mbox, selects it on every connection), then
/// runs the command groups and matches the replies. The first difference fails the script.
/// </summary>
public sealed class ImapTestRunner(ImapTestOptions options)
{
    private static readonly string[] NotScripts = ["AUTHORS", "COPYING", "LICENSE", "README", "NEWS", "ChangeLog"];

    /// <summary>The scripts of a folder: every file but dot-files, .mbox files and documentation, sorted by name.</summary>
    public static IReadOnlyList<string> FindScripts(string folder) =>
        [.. Directory.EnumerateFiles(folder)
            .Select(Path.GetFileName)
            .OfType<string>()
            .Where(n => !n.StartsWith('.') && !n.EndsWith(".mbox", StringComparison.Ordinal) && !n.EndsWith(".md", StringComparison.Ordinal)
                && !n.EndsWith(".txt", StringComparison.Ordinal) && !NotScripts.Any(x => n.StartsWith(x, StringComparison.Ordinal)))
            .Order(StringComparer.Ordinal)];

    /// <summary>Runs the chosen scripts (all of the folder by default) one after another.</summary>
    public async Task<IReadOnlyList<ScriptResult>> RunAsync(Action<ScriptResult>? progress = null, CancellationToken cancellationToken = default)
    {
        if (!Directory.Exists(options.ScriptsFolder))
        {
            throw new DirectoryNotFoundException($"the scripts folder {options.ScriptsFolder} does not exist");
        }

        IReadOnlyList<string> names = options.Scripts.Count > 0 ? [.. options.Scripts] : FindScripts(options.ScriptsFolder);
        var results = new List<ScriptResult>();
        foreach (var name in names)
        {
            var result = await RunScriptAsync(name, cancellationToken);
            results.Add(result);
            progress?.Invoke(result);
        }

        return results;
    }

    /// <summary>Runs one script of the folder.</summary>
    public async Task<ScriptResult> RunScriptAsync(string name, CancellationToken cancellationToken = default)
    {
        var watch = Stopwatch.StartNew();
        var path = Path.Combine(options.ScriptsFolder, name);
        if (!File.Exists(path))
        {
            return new ScriptResult(name, ScriptOutcome.Fail, $"no script {name} in {options.ScriptsFolder}", null, null, 0);
        }

        Script script;
        try
        {
            script = ScriptParser.Parse(path, Path.Combine(options.ScriptsFolder, "default.mbox"), options.EnvironmentHas);
        }
        catch (ScriptFormatException e)
        {
            return new ScriptResult(name, ScriptOutcome.Fail, "script error: " + e.Message, null, null, watch.ElapsedMilliseconds);
        }

        if (script.RequiresUser2 && string.IsNullOrEmpty(options.User2))
        {
            return new ScriptResult(name, ScriptOutcome.Skip, "needs a second user (--user2)", null, null, watch.ElapsedMilliseconds);
        }

        var run = new ScriptRun(options, script);
        try
        {
            var skip = await run.RunAsync(cancellationToken);
            return skip is null
                ? new ScriptResult(name, ScriptOutcome.Pass, null, null, null, watch.ElapsedMilliseconds)
                : new ScriptResult(name, ScriptOutcome.Skip, skip, null, null, watch.ElapsedMilliseconds);
        }
        catch (ScriptFailure failure)
        {
            return new ScriptResult(name, ScriptOutcome.Fail, failure.Message, failure.Line, failure.Command, watch.ElapsedMilliseconds);
        }
        catch (Exception e) when (e is IOException or TimeoutException or System.Net.Sockets.SocketException or ScriptRunException or System.Security.Authentication.AuthenticationException)
        {
            return new ScriptResult(name, ScriptOutcome.Fail, e.Message, run.CurrentLine, run.CurrentCommand, watch.ElapsedMilliseconds);
        }
        finally
        {
            await run.CloseAsync();
        }
    }

    /// <summary>One execution of a script: its connections, variables and mbox.</summary>
    private sealed class ScriptRun(ImapTestOptions options, Script script)
    {
        private readonly List<Client> clients = [];
        private readonly Matcher matcher = new(new Dictionary<string, string>(StringComparer.Ordinal));
        private readonly MboxSource mbox = new(script.MboxPath);
        private int tagCounter;

        private ImapTestOptions Options => options;

        private Script Script => script;

        public int? CurrentLine { get; private set; }

        public string? CurrentCommand { get; private set; }

        /// <summary>Runs the script; returns null when it passed, the reason when it was skipped; throws on a failure.</summary>
        public async Task<string?> RunAsync(CancellationToken cancellationToken)
        {
            for (var i = 0; i < script.ConnectionCount; i++)
            {
                var (user, password) = UserOf(i);
                var number = i + 1;
                var connection = await ImapConnection.ConnectAsync(options.Host, options.Port, options.Tls, options.Timeout, cancellationToken);
                connection.Trace = options.Trace is null ? null : line => options.Trace($"[{script.Name} #{number}] {line}");
                clients.Add(new Client(connection, i, user, password));
                var suffix = i == 0 ? "" : (i + 1).ToString(CultureInfo.InvariantCulture);
                matcher.Set("user" + suffix, user);
                var at = user.IndexOf('@', StringComparison.Ordinal);
                matcher.Set("username" + suffix, at < 0 ? user : user[..at]);
                matcher.Set("domain" + suffix, at < 0 ? options.Host : user[(at + 1)..]);
                matcher.Set("password" + suffix, password);
            }

            matcher.Set("mailbox", options.Mailbox);
            matcher.Set("mailbox_url", MailboxUrl(options.Mailbox));

            var first = clients[0];
            if (script.State == ScriptState.NonAuth)
            {
                // After STARTTLS the greeting's capabilities are stale (RFC 3501 6.2.1): ask again.
                var capabilities = (options.Tls == TlsMode.StartTls ? null : GreetingCapabilities(first.Connection.Greeting))
                    ?? await CapabilitiesAsync(first, cancellationToken);
                var missing = Missing(capabilities);
                if (missing is not null)
                {
                    return missing;
                }
            }
            else
            {
                foreach (var client in clients)
                {
                    await PrepareAsync(client, $"LOGIN {Quote(client.User)} {Quote(client.Password)}", cancellationToken);
                }

                var missing = Missing(await CapabilitiesAsync(first, cancellationToken));
                if (missing is not null)
                {
                    return missing;
                }

                await ResetMailboxesAsync(first, cancellationToken);
                if (script.State >= ScriptState.Created && !options.Mailbox.Equals("INBOX", StringComparison.OrdinalIgnoreCase))
                {
                    await PrepareAsync(first, "CREATE " + Quote(options.Mailbox), cancellationToken);
                }

                if (script.State >= ScriptState.Appended)
                {
                    var count = script.MessageCount == int.MaxValue ? mbox.Count : script.MessageCount;
                    for (var i = 0; i < count; i++)
                    {
                        var (message, date) = mbox.Next() ?? throw new ScriptFailure(0, null, $"the script needs messages but {script.MboxPath} holds none");
                        var text = "APPEND " + Quote(options.Mailbox) + (date is null ? "" : $" \"{date}\"") + " " + ImapTokenizer.LiteralMarker;
                        await PrepareAsync(first, text, cancellationToken, [message]);
                    }
                }

                if (script.State == ScriptState.Selected)
                {
                    foreach (var client in clients)
                    {
                        await PrepareAsync(client, "SELECT " + Quote(options.Mailbox), cancellationToken);
                    }
                }
            }

            foreach (var group in script.Groups)
            {
                await RunGroupAsync(group, cancellationToken);
            }

            return null;
        }

        public async Task CloseAsync()
        {
            foreach (var client in clients)
            {
                if (!client.Connection.Closed)
                {
                    try
                    {
                        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                        client.Connection.ReadTimeout = TimeSpan.FromSeconds(2);
                        await client.Connection.WriteAsync("Z LOGOUT\r\n", timeout.Token);
                        while (await client.Connection.ReadResponseAsync(timeout.Token) is { } response && response.Tag != "Z")
                        {
                        }
                    }
                    catch (Exception e) when (e is IOException or TimeoutException or OperationCanceledException or ObjectDisposedException or System.Net.Sockets.SocketException)
                    {
                        // Best effort: the connection is closed below anyway.
                    }
                }

                await client.Connection.DisposeAsync();
            }

            clients.Clear();
        }

        private (string User, string Password) UserOf(int index)
        {
            if (script.ConnectionUsers.TryGetValue(index, out var user) && user is "$user2" or "${user2}")
            {
                return (options.User2!, options.Password2 ?? "");
            }

            if (user is not null && user != "$user" && user != "${user}")
            {
                // A fixed user name in the script: it is expected to share the test user's password.
                return (user, options.Password);
            }

            return (options.User, options.Password);
        }

        private string? Missing(IReadOnlyCollection<string> capabilities)
        {
            var missing = script.RequiredCapabilities.Where(r => !capabilities.Contains(r, StringComparer.OrdinalIgnoreCase)).ToList();
            return missing.Count == 0 ? null : "needs capability " + string.Join(' ', missing);
        }

        private static List<string>? GreetingCapabilities(ImapResponse greeting)
        {
            var code = greeting.Arguments.Skip(1).FirstOrDefault();
            if (code is null || !code.IsString || !code.Text.StartsWith("[CAPABILITY ", StringComparison.OrdinalIgnoreCase))
            {
                return null;
            }

            return [.. code.Text[12..].TrimEnd(']').Split(' ', StringSplitOptions.RemoveEmptyEntries)];
        }

        private async Task<List<string>> CapabilitiesAsync(Client client, CancellationToken cancellationToken)
        {
            var untagged = await PrepareAsync(client, "CAPABILITY", cancellationToken);
            return [.. untagged.Where(r => r.First == "CAPABILITY").SelectMany(r => r.Arguments.Skip(1)).Where(a => a.IsString).Select(a => a.Text)];
        }

        /// <summary>Deletes every mailbox whose name starts with the test mailbox, and unsubscribes them (state auth and up).</summary>
        private async Task ResetMailboxesAsync(Client client, CancellationToken cancellationToken)
        {
            var pattern = Quote(options.Mailbox + "*");
            var listed = await PrepareAsync(client, "LIST \"\" " + pattern, cancellationToken);
            var subscribed = await PrepareAsync(client, "LSUB \"\" " + pattern, cancellationToken);
            foreach (var name in MailboxNames(listed, "LIST").OrderDescending(StringComparer.OrdinalIgnoreCase))
            {
                await PrepareAsync(client, "DELETE " + Quote(name), cancellationToken, allowNo: true);
            }

            foreach (var name in MailboxNames(subscribed, "LSUB").OrderDescending(StringComparer.OrdinalIgnoreCase))
            {
                await PrepareAsync(client, "UNSUBSCRIBE " + Quote(name), cancellationToken, allowNo: true);
            }
        }

        private static IEnumerable<string> MailboxNames(List<ImapResponse> responses, string kind) =>
            responses.Where(r => r.First == kind && r.Arguments.Count >= 4 && r.Arguments[3].IsString).Select(r => r.Arguments[3].Text).Distinct();

        /// <summary>Sends a preparation command and returns its untagged replies; anything but OK fails the script.</summary>
        private async Task<List<ImapResponse>> PrepareAsync(Client client, string text, CancellationToken cancellationToken, IReadOnlyList<string>? literals = null, bool allowNo = false)
        {
            var untagged = new List<ImapResponse>();
            var tag = NextTag(client);
            CurrentLine = null;
            CurrentCommand = "preparation: " + (text.StartsWith("LOGIN ", StringComparison.Ordinal) ? "LOGIN" : text.Replace(ImapTokenizer.LiteralMarker.ToString(), "{...}", StringComparison.Ordinal));
            ImapResponse? reply = null;
            var tagged = await SendAsync(client, tag, text, literals ?? [], r =>
            {
                Track(client, r);
                untagged.Add(r);
            }, cancellationToken);
            reply = tagged ?? await ReadUntilTaggedAsync(client, tag, r =>
            {
                Track(client, r);
                untagged.Add(r);
            }, cancellationToken);
            if (reply.First != "OK" && !(allowNo && reply.First == "NO"))
            {
                throw new ScriptFailure(0, CurrentCommand, "the test could not be prepared: " + reply.Text);
            }

            return untagged;
        }

        private async Task<ImapResponse> ReadUntilTaggedAsync(Client client, string tag, Action<ImapResponse> untagged, CancellationToken cancellationToken)
        {
            while (true)
            {
                var response = await client.Connection.ReadResponseAsync(cancellationToken)
                    ?? throw new IOException("the server closed the connection");
                if (response.Tag == tag)
                {
                    return response;
                }

                if (response.IsUntagged)
                {
                    untagged(response);
                }
            }
        }

        /// <summary>
        /// Sends one command, its literals synchronizing (waiting for each continuation); responses read meanwhile go
        /// to <paramref name="onResponse"/>. Returns the command's tagged reply when the server answered before all
        /// of it was sent (a refused literal), else null.
        /// </summary>
        private static async Task<ImapResponse?> SendAsync(Client client, string tag, string text, IReadOnlyList<string> literals, Action<ImapResponse> onResponse, CancellationToken cancellationToken)
        {
            var parts = new List<(string Text, char Marker)>();
            var start = 0;
            for (var i = 0; i < text.Length; i++)
            {
                if (text[i] is ImapTokenizer.LiteralMarker or ImapTokenizer.Literal8Marker)
                {
                    parts.Add((text[start..i], text[i]));
                    start = i + 1;
                }
            }

            var head = new StringBuilder(tag).Append(' ');
            for (var i = 0; i < parts.Count; i++)
            {
                var literal = i < literals.Count ? literals[i] : "";
                head.Append(parts[i].Text).Append(parts[i].Marker == ImapTokenizer.Literal8Marker ? "~{" : "{")
                    .Append(Encoding.Latin1.GetByteCount(literal)).Append("}\r\n");
                await client.Connection.WriteAsync(head.ToString(), cancellationToken);
                head.Clear();
                while (true)
                {
                    var response = await client.Connection.ReadResponseAsync(cancellationToken)
                        ?? throw new IOException("the server closed the connection while a literal was announced");
                    if (response.IsContinuation)
                    {
                        break;
                    }

                    if (response.Tag == tag)
                    {
                        return response;
                    }

                    onResponse(response);
                }

                head.Append(literal);
            }

            head.Append(text[start..]).Append("\r\n");
            await client.Connection.WriteAsync(head.ToString(), cancellationToken);
            return null;
        }

        private async Task RunGroupAsync(ScriptGroup group, CancellationToken cancellationToken)
        {
            if (group.Connection >= clients.Count)
            {
                throw new ScriptFailure(group.Commands.FirstOrDefault()?.Line ?? 0, null, $"connection {group.Connection + 1} is used but the script opens {clients.Count}");
            }

            var client = clients[group.Connection];
            var execution = new GroupExecution(this, group, client);
            await execution.RunAsync(cancellationToken);
            foreach (var output in group.Output)
            {
                options.Trace?.Invoke($"[{script.Name}] output: {matcher.ExpandAll(output, keepUnset: true)}");
            }

            if (group.SleepMilliseconds > 0)
            {
                await Task.Delay(group.SleepMilliseconds, cancellationToken);
            }
        }

        private string NextTag(Client client) => $"{client.Index + 1}.{++tagCounter}";

        private static void Track(Client client, ImapResponse response)
        {
            if (response.Arguments.Count >= 2 && response.Arguments[0].IsString
                && int.TryParse(response.Arguments[0].Text, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && response.Arguments[1].IsString)
            {
                if (response.Arguments[1].Text.Equals("EXISTS", StringComparison.OrdinalIgnoreCase))
                {
                    client.Exists = number;
                }
                else if (response.Arguments[1].Text.Equals("EXPUNGE", StringComparison.OrdinalIgnoreCase))
                {
                    client.Exists = Math.Max(0, client.Exists - 1);
                }
            }
        }

        private static string Quote(string text) =>
            "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

        private static string MailboxUrl(string mailbox)
        {
            var decoded = ModifiedUtf7.Decode(mailbox);
            var url = new StringBuilder();
            foreach (var b in Encoding.UTF8.GetBytes(decoded))
            {
                var c = (char)b;
                if (char.IsAsciiLetterOrDigit(c) || "-._~!$&'()*+,=:@/".Contains(c, StringComparison.Ordinal))
                {
                    url.Append(c);
                }
                else
                {
                    url.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
                }
            }

            return url.ToString();
        }

        /// <summary>One connection of the script.</summary>
        private sealed class Client(ImapConnection connection, int index, string user, string password)
        {
            public ImapConnection Connection { get; } = connection;

            public int Index { get; } = index;

            public string User { get; } = user;

            public string Password { get; } = password;

            public int Exists { get; set; }
        }

        /// <summary>The execution of one command group: sending, reading, matching.</summary>
        private sealed class GroupExecution(ScriptRun run, ScriptGroup group, Client client)
        {
            private readonly bool[] found = new bool[group.Untagged.Count];
            private readonly int[] bestCount = new int[group.Untagged.Count];
            private readonly string?[] best = new string?[group.Untagged.Count];
            private readonly Dictionary<string, ScriptCommand> pending = [];
            private readonly Dictionary<ScriptCommand, string> sent = [];
            private List<int> sequences = [];
            private string? firstTag;
            private string? firstExtra;
            private int mismatches;
            private bool sawBye;

            private Matcher Matcher => run.matcher;

            public async Task RunAsync(CancellationToken cancellationToken)
            {
                sequences = [.. Enumerable.Range(1, client.Exists)];
                Matcher.RelativeSequence = RelativeSequence;
                if (group.Commands.Count == 0)
                {
                    // A banner check: the untagged lines describe the greeting.
                    OnUntagged(client.Connection.Greeting with { Tag = "*" });
                    CheckMissing();
                    return;
                }

                foreach (var command in group.Commands)
                {
                    var text = Matcher.ExpandAll(command.Text, keepUnset: false);
                    var literals = command.Literals.ToList();
                    text = AddAppendBody(text, literals);
                    var tag = run.NextTag(client);
                    firstTag ??= tag;
                    pending[tag] = command;
                    sent[command] = text.Replace(ImapTokenizer.LiteralMarker.ToString(), "{...}", StringComparison.Ordinal).Replace(ImapTokenizer.Literal8Marker.ToString(), "~{...}", StringComparison.Ordinal);
                    run.CurrentLine = command.Line;
                    run.CurrentCommand = sent[command];
                    var early = await SendAsync(client, tag, text, literals, OnResponse, cancellationToken);
                    if (early is not null)
                    {
                        OnResponse(early);
                    }
                }

                while (pending.Count > 0)
                {
                    var response = await client.Connection.ReadResponseAsync(cancellationToken);
                    if (response is null)
                    {
                        if (group.HasUntaggedBye && sawBye)
                        {
                            foreach (var command in pending.Values)
                            {
                                if (command.Reply is not [{ IsString: true, Text: "" }])
                                {
                                    throw Fail(command, "the server disconnected after BYE; only \"\" may be expected as the tagged reply then");
                                }
                            }

                            pending.Clear();
                            break;
                        }

                        throw Fail(pending.Values.First(), "unexpected disconnection");
                    }

                    OnResponse(response);
                }

                CheckMissing();
                if (firstExtra is not null)
                {
                    throw Fail(group.Commands[0], $"{mismatches} unexpected untagged replies, the first: {firstExtra}");
                }
            }

            private string RelativeSequence(int n)
            {
                if (n == 0)
                {
                    return "<zero seq>";
                }

                if (n > sequences.Count)
                {
                    return "<out of range>";
                }

                return sequences[n - 1] == 0 ? "<expunged>" : sequences[n - 1].ToString(CultureInfo.InvariantCulture);
            }

            private string AddAppendBody(string text, List<string> literals)
            {
                string? arguments = null;
                if (text.Equals("append", StringComparison.OrdinalIgnoreCase))
                {
                    var next = run.mbox.Next() ?? throw new ScriptRunException("APPEND without a message, and the mbox holds none");
                    literals.Add(next.Message);
                    return "append " + Quote(run.Options.Mailbox) + (next.InternalDate is null ? "" : $" \"{next.InternalDate}\"") + " " + ImapTokenizer.LiteralMarker;
                }

                if (text.StartsWith("append ", StringComparison.OrdinalIgnoreCase))
                {
                    arguments = text[7..];
                }

                if (arguments is null || HasBody(arguments, literals))
                {
                    return text;
                }

                var message = run.mbox.Next() ?? throw new ScriptRunException("APPEND without a message, and the mbox holds none");
                literals.Add(message.Message);
                return text + " " + ImapTokenizer.LiteralMarker;
            }

            /// <summary>mailbox [(flags)] ["date"] then a literal or CATENATE: the script gave the message itself.</summary>
            private static bool HasBody(string arguments, List<string> literals)
            {
                var args = ImapTokenizer.Parse(arguments, literals);
                var i = 1;
                if (args.Count <= i)
                {
                    return false;
                }

                if (args[i].Kind == ImapTokenKind.List)
                {
                    i++;
                }

                if (i < args.Count && args[i].Kind == ImapTokenKind.String)
                {
                    i++;
                }

                return i < args.Count && (args[i].Kind == ImapTokenKind.Literal || (args[i].Kind == ImapTokenKind.Atom && args[i].Text.Equals("catenate", StringComparison.OrdinalIgnoreCase)));
            }

            private void OnResponse(ImapResponse response)
            {
                if (response.IsContinuation)
                {
                    return;
                }

                if (response.IsUntagged)
                {
                    OnUntagged(response);
                    return;
                }

                if (!pending.Remove(response.Tag, out var command))
                {
                    return;
                }

                Matcher.Set("tag", response.Tag);
                var matched = Matcher.MatchArguments(command.Reply!, 0, response.Arguments, 0, int.MaxValue, prefix: true);
                Matcher.Remove("tag");
                Matcher.Commit();
                if (matched != Matcher.Full)
                {
                    throw Fail(command, $"expected tagged reply '{ImapToken.Format(command.Reply!)}', got '{response.Text}'");
                }
            }

            private void OnUntagged(ImapResponse response)
            {
                Track(client, response);
                if (response.First == "BYE")
                {
                    sawBye = true;
                }

                if (group.Untagged.Count > 0 || !run.Script.IgnoreExtraUntagged)
                {
                    Match(response);
                }

                if (response.Arguments.Count >= 2 && response.Arguments[1].IsString && response.Arguments[1].Text.Equals("EXPUNGE", StringComparison.OrdinalIgnoreCase)
                    && int.TryParse(response.Arguments[0].Text, NumberStyles.None, CultureInfo.InvariantCulture, out var expunged) && expunged > 0 && expunged <= sequences.Count)
                {
                    for (var i = expunged - 1; i < sequences.Count; i++)
                    {
                        if (sequences[i] == expunged)
                        {
                            sequences[i] = 0;
                        }
                        else if (sequences[i] > expunged)
                        {
                            sequences[i]--;
                        }
                    }
                }
            }

            private void Match(ImapResponse response)
            {
                var prefix = response.First is "OK" or "NO" or "BAD" or "BYE";
                var any = false;
                for (var i = 0; i < group.Untagged.Count; i++)
                {
                    if (found[i])
                    {
                        continue;
                    }

                    var expected = group.Untagged[i];
                    if (firstTag is not null)
                    {
                        Matcher.Set("tag", firstTag);
                    }

                    var count = Matcher.MatchArguments(expected.Arguments, 0, response.Arguments, 0, int.MaxValue, prefix);
                    Matcher.Remove("tag");
                    if (count == Matcher.Full)
                    {
                        if (expected.Existence == Existence.MustNot)
                        {
                            throw Fail(group.Commands.FirstOrDefault(), $"an untagged reply the script forbids (line {expected.Line}: ! {ImapToken.Format(expected.Arguments)}) was received: {response.Text}");
                        }

                        found[i] = true;
                        any = true;
                        Matcher.Commit();
                        if (group.UntaggedOrdered)
                        {
                            break;
                        }

                        continue;
                    }

                    if (best[i] is null || bestCount[i] < count)
                    {
                        bestCount[i] = count;
                        best[i] = response.Text;
                    }

                    Matcher.Revert();
                    if (group.UntaggedOrdered && expected.Existence == Existence.Must)
                    {
                        break;
                    }
                }

                if (!any)
                {
                    mismatches++;
                    if (!run.Script.IgnoreExtraUntagged)
                    {
                        firstExtra ??= response.Text;
                    }
                }
            }

            private void CheckMissing()
            {
                var missing = Enumerable.Range(0, group.Untagged.Count).Where(i => group.Untagged[i].Existence == Existence.Must && !found[i]).ToList();
                if (missing.Count == 0)
                {
                    return;
                }

                var first = group.Untagged[missing[0]];
                var expanded = Matcher.ExpandAll(ImapToken.Format(first.Arguments), keepUnset: true);
                throw Fail(group.Commands.FirstOrDefault(), $"missing {missing.Count} untagged repl{(missing.Count == 1 ? "y" : "ies")} ({mismatches} other replies did not match); "
                    + $"first (line {first.Line}): * {expanded}; closest received: {best[missing[0]] ?? "(none)"}");
            }

            private ScriptFailure Fail(ScriptCommand? command, string message) =>
                new(command?.Line ?? 0, command is null ? null : sent.GetValueOrDefault(command) ?? command.Text, message);
        }
    }
}
