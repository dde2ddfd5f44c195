using Mail.Host.ImapTest;

namespace Mail.Host.IntegrationTests;

/// <summary>
/// Where the imaptest scripts are (they are not in the repository): <c>MAILHOST_TEST_IMAPTEST_SCRIPTS</c>, else the
/// shared conformance folder beside the repository (<c>../shared/conformance/imaptest</c>); and the scripts Dovecot
/// passes (tests/Mail.Host.ImapTest/dovecot-passes.txt).
/// </summary>
internal static class ImapTestScripts
{
    public static string? Folder
    {
        get
        {
            var configured = Environment.GetEnvironmentVariable("MAILHOST_TEST_IMAPTEST_SCRIPTS");
            if (!string.IsNullOrEmpty(configured))
            {
                return Directory.Exists(configured) ? configured : null;
            }

            var beside = Path.GetFullPath(Path.Combine(DeploymentFixture.RepositoryRoot, "..", "shared", "conformance", "imaptest"));
            return Directory.Exists(beside) ? beside : null;
        }
    }

    public const string MissingFolder = "needs the imaptest scripts: set MAILHOST_TEST_IMAPTEST_SCRIPTS to their folder (default ../shared/conformance/imaptest beside the repository)";

    /// <summary>The scripts Dovecot passes, from the recorded list.</summary>
    public static IReadOnlyList<string> DovecotPasses =>
        [.. File.ReadAllLines(Path.Combine(DeploymentFixture.RepositoryRoot, "tests", "Mail.Host.ImapTest", "dovecot-passes.txt"))
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#'))];

    /// <summary>Options for a run of <paramref name="scripts"/> from <paramref name="folder"/>.</summary>
    public static ImapTestOptions Options(string folder, string host, int port, TlsMode tls, string user, string password, IEnumerable<string> scripts)
    {
        var options = new ImapTestOptions
        {
            Host = host,
            Port = port,
            Tls = tls,
            User = user,
            Password = password,
            ScriptsFolder = folder,
            Timeout = TimeSpan.FromSeconds(20),
        };
        foreach (var script in scripts)
        {
            options.Scripts.Add(script);
        }

        return options;
    }
}
