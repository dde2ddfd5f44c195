using System.Text.Json.Nodes;
using Mail.Host.ImapTest;
using Xunit.Abstractions;

namespace Mail.Host.IntegrationTests;

/// <summary>
/// Dovecot's scripted IMAP tests against this server's IMAP listener, started from the deployment folder: every
/// script Dovecot passes (tests/Mail.Host.ImapTest/dovecot-passes.txt) must pass here too, unless it is skipped
/// because this server does not advertise a capability the script needs, or unless it is recorded as not passing
/// yet in tests/Mail.Host.ImapTest/mailhost-known-failures.txt (open work, printed in the test output; a recorded
/// script that passes fails the test until it is taken off the list, so the list only shrinks). Waits for the IMAP
/// plugin: skipped, with that reason, while the deployment has no plugins/imap folder.
/// </summary>
[Collection(DeploymentCollection.Name)]
public sealed class ImapConformanceTests(DeploymentFixture fixture, ITestOutputHelper output) : IDisposable
{
    private const string AdminPassword = "Imap-Admin-2026";
    private readonly TestDeployment deployment = new(fixture);

    public void Dispose() => deployment.Dispose();

    [ImapPluginFact]
    public async Task Every_script_Dovecot_passes_passes_here_unless_a_capability_is_not_advertised()
    {
        var (listener, tls) = ImapListener();
        var server = await deployment.StartServerAsync(new Dictionary<string, string?> { ["MAILHOST_ADMIN_PASSWORD"] = AdminPassword });
        var mail = new MailClient(server.Http, AdminPassword);
        await mail.AddDomainAsync("example.org");
        await mail.AddAccountAsync("imaptest1", "imaptest1@example.org");
        await mail.AddAccountAsync("imaptest2", "imaptest2@example.org");

        var passes = ImapTestScripts.DovecotPasses;
        var options = ImapTestScripts.Options(ImapTestScripts.Folder!, "127.0.0.1", deployment.ListenerPorts[listener], tls, "imaptest1", "Pass-imaptest1-2026!", passes);
        options.User2 = "imaptest2";
        options.Password2 = "Pass-imaptest2-2026!";
        var results = await new ImapTestRunner(options).RunAsync(r => output.WriteLine(r.Describe()));

        Assert.Equal(passes.Count, results.Count);
        var known = KnownFailures();
        var failed = results
            .Where(r => r.Outcome == ScriptOutcome.Fail || (r.Outcome == ScriptOutcome.Skip && r.Reason?.StartsWith("needs capability ", StringComparison.Ordinal) != true))
            .ToList();
        var recorded = failed.Where(r => known.Contains(r.Name)).ToList();
        output.WriteLine($"{results.Count(r => r.Outcome == ScriptOutcome.Pass)} of the {passes.Count} scripts Dovecot passes pass here; {recorded.Count} recorded as not passing yet:");
        foreach (var result in recorded)
        {
            output.WriteLine("  NOT YET " + result.Describe());
        }

        var failures = failed.Where(r => !known.Contains(r.Name)).Select(r => r.Describe()).ToList();
        Assert.True(failures.Count == 0, $"{failures.Count} of the {passes.Count} scripts Dovecot passes did not pass here:\n" + string.Join('\n', failures));
        var nowPassing = results.Where(r => r.Outcome == ScriptOutcome.Pass && known.Contains(r.Name)).Select(r => r.Name).ToList();
        Assert.True(nowPassing.Count == 0, "these scripts pass now: take them off tests/Mail.Host.ImapTest/mailhost-known-failures.txt: " + string.Join(", ", nowPassing));
        Assert.Contains(results, r => r.Outcome == ScriptOutcome.Pass);
    }

    private static HashSet<string> KnownFailures()
        => [.. File.ReadAllLines(Path.Combine(DeploymentFixture.RepositoryRoot, "tests", "Mail.Host.ImapTest", "mailhost-known-failures.txt"))
            .Select(l => (l.IndexOf('#', StringComparison.Ordinal) is var hash and >= 0 ? l[..hash] : l).Trim())
            .Where(l => l.Length > 0)];

    /// <summary>The manifest's IMAP listener (STARTTLS preferred), or one added for the test when it has none.</summary>
    private (string Name, TlsMode Tls) ImapListener()
    {
        (string Name, TlsMode Tls)? found = null;
        deployment.EditManifest(manifest =>
        {
            var listeners = manifest["Listeners"] as JsonObject ?? [];
            manifest["Listeners"] = listeners;
            var imap = listeners
                .Where(l => string.Equals((string?)l.Value?["Protocol"], "imap", StringComparison.OrdinalIgnoreCase))
                .Select(l => (l.Key, Tls: (string?)l.Value?["Tls"] ?? "None"))
                .OrderBy(l => l.Tls.Equals("StartTls", StringComparison.OrdinalIgnoreCase) ? 0 : l.Tls.Equals("Implicit", StringComparison.OrdinalIgnoreCase) ? 1 : 2)
                .ToList();
            if (imap.Count == 0)
            {
                listeners["imap"] = new JsonObject { ["Protocol"] = "imap", ["Bind"] = new JsonArray("127.0.0.1:1143"), ["Tls"] = "StartTls" };
                imap.Add(("imap", "StartTls"));
            }

            var tls = imap[0].Tls.ToLowerInvariant() switch
            {
                "starttls" => TlsMode.StartTls,
                "implicit" => TlsMode.Implicit,
                _ => TlsMode.None,
            };
            found = (imap[0].Key, tls);
        });
        return found!.Value;
    }
}
