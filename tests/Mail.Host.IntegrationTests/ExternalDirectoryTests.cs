using Mail.Host.Tests.Services;
using Microsoft.Data.Sqlite;
using static Mail.Host.IntegrationTests.DirectoryClients;

namespace Mail.Host.IntegrationTests;

/// <summary>
/// The real server authenticating against external directories: the test slapd (scripts/services.sh) through the
/// <c>ldap</c> plugin, and user tables in a SQLite file through the <c>sql</c> directory. Mail sent over SMTP to an
/// alias and to a group reaches the right mailboxes; SMTP AUTH on submission accepts the right password and refuses a
/// wrong one and a disabled account; the directory server going away is a temporary failure (454 4.7.0 for AUTH,
/// 451 4.3.0 for RCPT), never a wrong password; the management commands say where principals are managed.
/// </summary>
[Collection(DeploymentCollection.Name)]
[RequiresEnvironment("MAILHOST_TEST_LDAP", "OpenLDAP server")]
public sealed class ExternalDirectoryTests(DeploymentFixture fixture) : IDisposable
{
    private const string LdapAdminPassword = "Admin-ldap-2026";
    private const string SqlAdminPassword = "Admin-sql-2026";
    private const string AlicePassword = "Wonderland-Rabbit-1865";
    private const string CarolPassword = "Christmas-Carol-1843";
    private const string DavePassword = "Dave-Sql-Password-1";
    private const string FrankPassword = "Frank-Sql-Password-1";

    private const string Crypt512DavePassword = "$6$DZnKNyKwY8YdByrK$jd.Luup3DOblYiEZVcIAyQwIB8HVQ9/v7buGDEQf9NqFtWS18tOhh67Z87ErgfrocY3LMxhxNKMkTJrhiifDX0";
    private const string BcryptDavePassword = "$2b$05$5Ggq2QuGKvfSFYsHtk2RhuGOkubHnRh.EhtRyZ4GNKBEVoa/FDiWq";
    private const string SshaFrankPassword = "{SSHA512}EerYNhUBPptmuyo9Fa8qHp5p5aEQJX+2DmSczezPH/WFA67jRqJ6pC7mlL6KICb5CmL8WTIX63TvMB8fuKrhOyq8DZiGIhi8";

    private readonly List<TestDeployment> deployments = [];

    public void Dispose()
    {
        foreach (var deployment in deployments)
        {
            deployment.Dispose();
        }
    }

    [Fact]
    public async Task Ldap_users_receive_mail_to_aliases_and_groups_and_log_in_with_their_directory_password()
    {
        var deployment = New(DirectoryManifests.Ldap(Environment.GetEnvironmentVariable("MAILHOST_TEST_LDAP")!));
        var server = await deployment.StartServerAsync();
        var mail = new MailClient(server.Http, LdapAdminPassword);

        await SendAsync(deployment.ListenerPorts["smtp"], "To the alias", "ally@example.net");
        await SendAsync(deployment.ListenerPorts["smtp"], "To the team", "team@example.org");

        Assert.Equal(["To the alias", "To the team"], (await mail.MessagesAsync("alice")).Select(m => m.Subject).Order());
        Assert.Equal(["To the team"], (await mail.MessagesAsync("bob")).Select(m => m.Subject));

        var submission = deployment.ListenerPorts["submission"];
        await AuthenticateAsync(submission, "alice", AlicePassword);
        await AuthenticateAsync(submission, "alice@example.org", AlicePassword);
        Assert.StartsWith("535 ", await AuthReplyAsync(submission, "alice", "wrong password"));
        Assert.StartsWith("535 ", await AuthReplyAsync(submission, "carol", CarolPassword));
        Assert.StartsWith("535 ", await AuthReplyAsync(submission, "*)(uid=*", AlicePassword));

        await AssertImapAndJmapLoginAsync(deployment, "alice", AlicePassword, messages: 2);
        await AssertImapAndJmapRefuseAsync(deployment, "alice", "wrong password", System.Net.HttpStatusCode.Unauthorized);
        await AssertImapAndJmapRefuseAsync(deployment, "carol", CarolPassword, System.Net.HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Ldap_server_down_is_a_temporary_failure_for_every_protocol_and_logins_resume_when_it_returns()
    {
        var target = new Uri(Environment.GetEnvironmentVariable("MAILHOST_TEST_LDAP")!);
        await using var relay = new TcpForwarder(target.Host, target.Port);
        relay.Start();
        var deployment = New(DirectoryManifests.Ldap($"ldap://127.0.0.1:{relay.Port}", cacheSeconds: 0));
        await deployment.StartServerAsync();
        var submission = deployment.ListenerPorts["submission"];
        await AuthenticateAsync(submission, "alice", AlicePassword);

        await relay.StopAsync();

        Assert.Equal("454 4.7.0 Temporary authentication failure", await AuthReplyAsync(submission, "alice", AlicePassword));
        Assert.Equal("454 4.7.0 Temporary authentication failure", await AuthReplyAsync(submission, "alice", "wrong password"));

        using (var wire = await SmtpWire.ConnectAsync(deployment.ListenerPorts["smtp"]))
        {
            await wire.ReplyAsync();
            await wire.CommandAsync("EHLO client.test");
            Assert.StartsWith("250", await wire.CommandAsync("MAIL FROM:<sender@elsewhere.test>"));
            Assert.StartsWith("451 4.3.0", await wire.CommandAsync("RCPT TO:<alice@example.org>"));
        }

        Assert.StartsWith("NO [UNAVAILABLE]", await ImapLoginAsync(deployment, "alice", AlicePassword));
        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, await JmapSessionAsync(deployment, "alice", AlicePassword));

        // The server comes back: logins work again without a restart.
        relay.Start();
        Assert.Equal("235", await AuthReplyOnceBackAsync(submission, "alice", AlicePassword));
        await AssertImapAndJmapLoginAsync(deployment, "alice", AlicePassword, messages: 0);
    }

    [Fact]
    public async Task Ldap_scram_secrets_in_an_attribute_let_smtp_and_imap_clients_log_in_with_scram_sha_256()
    {
        var deployment = New(DirectoryManifests.Ldap(Environment.GetEnvironmentVariable("MAILHOST_TEST_LDAP")!, scramAttribute: "mailScramSecret"));
        await deployment.StartServerAsync();

        // alice's entry carries an RFC 5803 secret; bob's has none, so SCRAM cannot log him in, but PLAIN still does.
        Assert.Equal("235", await ScramReplyAsync(deployment.ListenerPorts["submission"], "alice", AlicePassword));
        Assert.StartsWith("535 ", await ScramReplyAsync(deployment.ListenerPorts["submission"], "alice", "wrong password"));
        Assert.StartsWith("535 ", await ScramReplyAsync(deployment.ListenerPorts["submission"], "bob", "Can-We-Fix-It-1999"));
        await ImapScramLoginAsync(deployment, "alice", AlicePassword);
    }

    [Fact]
    public async Task Ldap_management_commands_say_principals_are_managed_in_the_directory_and_change_nothing()
    {
        var deployment = New(DirectoryManifests.Ldap(Environment.GetEnvironmentVariable("MAILHOST_TEST_LDAP")!));
        await deployment.StartServerAsync();

        var result = await deployment.RunCliAsync(
            new Dictionary<string, string?> { ["MAILHOST_ADMIN_PASSWORD"] = LdapAdminPassword, ["MAILHOST_URL"] = null },
            null,
            "account", "add", "mallory", "--password", "Mallory-2026-pass", "--address", "mallory@example.org", "--url", deployment.HttpUrl);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("managed in the directory 'corp' (type ldap)", result.Output + result.Error, StringComparison.Ordinal);
        Assert.Contains("Nothing was changed", result.Output + result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sql_users_receive_mail_to_aliases_and_groups_and_log_in_with_the_hash_in_their_table()
    {
        var deployment = New(DirectoryManifests.Sql());
        SeedUsers(Path.Combine(deployment.Folder, DirectoryManifests.UsersDatabase));
        var server = await deployment.StartServerAsync();
        var mail = new MailClient(server.Http, SqlAdminPassword);

        await SendAsync(deployment.ListenerPorts["smtp"], "To the alias", "d@example.org");
        await SendAsync(deployment.ListenerPorts["smtp"], "To the staff", "staff@example.org");

        Assert.Equal(["To the alias", "To the staff"], (await mail.MessagesAsync("dave")).Select(m => m.Subject).Order());
        Assert.Equal(["To the staff"], (await mail.MessagesAsync("erin")).Select(m => m.Subject));

        var submission = deployment.ListenerPorts["submission"];
        await AuthenticateAsync(submission, "dave", DavePassword);
        await AuthenticateAsync(submission, "erin@example.org", DavePassword);
        Assert.StartsWith("535 ", await AuthReplyAsync(submission, "dave", "wrong password"));
        Assert.StartsWith("535 ", await AuthReplyAsync(submission, "frank", FrankPassword));
        Assert.StartsWith("535 ", await AuthReplyAsync(submission, "' OR 1=1 --", DavePassword));
        await AssertImapAndJmapLoginAsync(deployment, "dave", DavePassword, messages: 2);
        await AssertImapAndJmapRefuseAsync(deployment, "dave", "wrong password", System.Net.HttpStatusCode.Unauthorized);
        await AssertImapAndJmapRefuseAsync(deployment, "frank", FrankPassword, System.Net.HttpStatusCode.Forbidden);

        var result = await deployment.RunCliAsync(
            new Dictionary<string, string?> { ["MAILHOST_ADMIN_PASSWORD"] = SqlAdminPassword, ["MAILHOST_URL"] = null },
            null,
            "group", "add", "everyone", "--url", deployment.HttpUrl);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("managed in the directory 'accounts' (type sql)", result.Output + result.Error, StringComparison.Ordinal);
    }

    private static void SeedUsers(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        Execute(connection, "CREATE TABLE accounts (name TEXT PRIMARY KEY, kind TEXT NOT NULL, secret TEXT, display_name TEXT, address TEXT, disabled INTEGER NOT NULL DEFAULT 0, roles TEXT)");
        Execute(connection, "CREATE TABLE aliases (name TEXT NOT NULL, address TEXT NOT NULL)");
        Execute(connection, "CREATE TABLE members (group_name TEXT NOT NULL, member TEXT NOT NULL)");

        // Hashes as existing tables hold them: SHA512-CRYPT (dave), bcrypt (erin, same password), SSHA512 (frank), and
        // bcrypt for the admin, all computed outside this server.
        Execute(connection, "INSERT INTO accounts (name, kind, secret, address, roles) VALUES ('admin', 'user', '$2b$05$.rUo.eNT7PptwfG7.UtFcu9P73C./uWmyMpfwlNyXh56FNJk78II.', 'postmaster@example.org', 'admin')");
        Execute(connection, $"INSERT INTO accounts (name, kind, secret, address) VALUES ('dave', 'user', '{Crypt512DavePassword}', 'dave@example.org')");
        Execute(connection, $"INSERT INTO accounts (name, kind, secret, address) VALUES ('erin', 'user', '{BcryptDavePassword}', 'erin@example.org')");
        Execute(connection, $"INSERT INTO accounts (name, kind, secret, address, disabled) VALUES ('frank', 'user', '{SshaFrankPassword}', 'frank@example.org', 1)");
        Execute(connection, "INSERT INTO accounts (name, kind, address) VALUES ('staff', 'group', 'staff@example.org')");
        Execute(connection, "INSERT INTO aliases (name, address) VALUES ('dave', 'd@example.org')");
        Execute(connection, "INSERT INTO members (group_name, member) VALUES ('staff', 'dave'), ('staff', 'erin')");
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>The user logs in over IMAP and sees its inbox, and JMAP's session resource answers for it.</summary>
    private static async Task AssertImapAndJmapLoginAsync(TestDeployment deployment, string user, string password, int messages)
    {
        Assert.Equal("OK", await ImapLoginAsync(deployment, user, password, messages));
        Assert.Equal(System.Net.HttpStatusCode.OK, await JmapSessionAsync(deployment, user, password));
    }

    /// <summary>IMAP answers NO to the login; JMAP answers the session resource with 401 (wrong credentials) or 403 (a disabled account).</summary>
    private static async Task AssertImapAndJmapRefuseAsync(TestDeployment deployment, string user, string password, System.Net.HttpStatusCode jmapStatus)
    {
        Assert.StartsWith("NO", await ImapLoginAsync(deployment, user, password));
        Assert.Equal(jmapStatus, await JmapSessionAsync(deployment, user, password));
    }

    private TestDeployment New(string manifest)
    {
        var deployment = new TestDeployment(fixture, manifest);
        deployments.Add(deployment);
        return deployment;
    }
}
