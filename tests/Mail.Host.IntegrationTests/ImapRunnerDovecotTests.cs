using System.Globalization;
using Mail.Host.ImapTest;
using Xunit.Abstractions;

namespace Mail.Host.IntegrationTests;

/// <summary>
/// The IMAP conformance runner (tests/Mail.Host.ImapTest) against the reference server, Dovecot 2.3 from Debian
/// started by scripts/services.sh: every script recorded as passing on Dovecot must still pass (the runner has not
/// become stricter than the format), and scripts written to be wrong must fail at the right place (the runner has
/// not become blind).
/// </summary>
public sealed class ImapRunnerDovecotTests(ITestOutputHelper output) : IDisposable
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), "mailhost-imaptest-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [DovecotFact]
    public async Task Dovecot_passes_every_script_recorded_in_dovecot_passes()
    {
        var passes = ImapTestScripts.DovecotPasses;
        Assert.NotEmpty(passes);
        var results = await RunAsync(ImapTestScripts.Folder!, passes);

        Assert.Equal(passes.Count, results.Count);
        var notPassing = results.Where(r => r.Outcome != ScriptOutcome.Pass).Select(r => r.Describe()).ToList();
        Assert.True(notPassing.Count == 0, "scripts recorded as passing on Dovecot did not pass:\n" + string.Join('\n', notPassing));
    }

    [DovecotFact]
    public async Task Scripts_that_expect_other_replies_than_Dovecot_sends_fail_at_the_first_difference()
    {
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(Path.Combine(folder, "default.mbox"), string.Concat(Enumerable.Range(1, 3).Select(i => $"""
            From sender@example.test  Sat Mar 24 23:00:0{i} 2007
            From: Sender {i} <sender{i}@example.test>
            Subject: message {i}

            body {i}

            """.Replace("\r\n", "\n", StringComparison.Ordinal))));
        Write("right-expunge", """
            messages: 3

            ok fetch 1:3 (uid flags)
            * 1 fetch (uid $uid1 flags ())
            * 2 fetch (uid $uid2 flags ())
            * 3 fetch (uid $uid3 flags ())
            ok store 2 +flags \deleted
            * 2 fetch (flags (\deleted))
            ok expunge
            * $2 expunge
            ok uid fetch $uid3 (uid)
            * 2 fetch (uid $uid3)

            tag1 status $mailbox (messages)
            tag2 noop
            * status $mailbox (messages 2)
            tag1 ok
            tag2 ok
            """);
        Write("wrong-search", """
            messages: 3

            ok search all
            * search 1 2
            """);
        Write("wrong-tagged", """
            state: created

            no select $mailbox
            """);
        Write("wrong-banned", """
            messages: 1

            ok fetch 1 uid
            ! 1 fetch (uid $)
            """);
        Write("wrong-literal", """
            messages: 2

            ok fetch 2 body.peek[header.fields (subject)]
            * 2 fetch (body[header.fields (subject)] {{{
            Subject: message 1


            }}})
            """);
        Write("wrong-flags", """
            messages: 1

            ok store 1 flags (\seen \flagged)
            ok fetch 1 flags
            * 1 fetch (flags (\seen))
            """);
        Write("needs-capability", """
            capabilities: X-MAILHOST-NONEXISTENT

            ok noop
            """);
        Write("broken-header", """
            state: somewhere

            ok noop
            """);

        var results = (await RunAsync(folder, [])).ToDictionary(r => r.Name);

        Assert.Equal(ScriptOutcome.Pass, results["right-expunge"].Outcome);
        AssertFails(results["wrong-search"], 3, "missing 1 untagged reply", "* search 1 2", "* SEARCH 1 2 3");
        AssertFails(results["wrong-tagged"], 3, "expected tagged reply 'no'", "OK [READ-WRITE]");
        AssertFails(results["wrong-banned"], 3, "an untagged reply the script forbids", "FETCH (UID");
        AssertFails(results["wrong-literal"], 3, "missing 1 untagged reply", "Subject: message 2");
        AssertFails(results["wrong-flags"], 4, "missing 1 untagged reply", "\\Flagged");
        Assert.Equal(ScriptOutcome.Skip, results["needs-capability"].Outcome);
        Assert.Equal("needs capability X-MAILHOST-NONEXISTENT", results["needs-capability"].Reason);
        Assert.Equal(ScriptOutcome.Fail, results["broken-header"].Outcome);
        Assert.Contains("unknown state 'somewhere'", results["broken-header"].Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("default.mbox", results.Keys);
    }

    private static void AssertFails(ScriptResult result, int line, params string[] reasonParts)
    {
        Assert.True(result.Outcome == ScriptOutcome.Fail, result.Describe());
        Assert.Equal(line, result.Line);
        foreach (var part in reasonParts)
        {
            Assert.Contains(part, result.Reason, StringComparison.OrdinalIgnoreCase);
        }
    }

    private void Write(string name, string script) =>
        File.WriteAllText(Path.Combine(folder, name), script.Replace("\r\n", "\n", StringComparison.Ordinal) + "\n");

    private async Task<IReadOnlyList<ScriptResult>> RunAsync(string scriptsFolder, IEnumerable<string> scripts)
    {
        var server = Environment.GetEnvironmentVariable("MAILHOST_TEST_DOVECOT")!;
        var colon = server.LastIndexOf(':');
        var options = ImapTestScripts.Options(
            scriptsFolder,
            server[..colon],
            int.Parse(server[(colon + 1)..], CultureInfo.InvariantCulture),
            TlsMode.None,
            Environment.GetEnvironmentVariable("MAILHOST_TEST_DOVECOT_USER") ?? "imaptest1",
            Environment.GetEnvironmentVariable("MAILHOST_TEST_DOVECOT_PASSWORD") ?? "Imaptest-Pass-1",
            scripts);
        options.User2 = Environment.GetEnvironmentVariable("MAILHOST_TEST_DOVECOT_USER2");
        options.Password2 = Environment.GetEnvironmentVariable("MAILHOST_TEST_DOVECOT_PASSWORD2");
        var results = await new ImapTestRunner(options).RunAsync(r => output.WriteLine(r.Describe()));
        return results;
    }
}
