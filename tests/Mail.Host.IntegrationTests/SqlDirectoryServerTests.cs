using System.Data.Common;
using System.Net;
using MailKit.Security;
using Mail.Host.Tests.Services;
using static Mail.Host.IntegrationTests.DirectoryClients;

namespace Mail.Host.IntegrationTests;

/// <summary>
/// The real server with the <c>sql</c> directory reading user tables on a database server (PostgreSQL or MariaDB from
/// scripts/services.sh), reached through a relay the test can cut. The tables hold a user per hash scheme that
/// existing installations write, all made outside this server; each logs in over SMTP, IMAP and JMAP, mail to an alias
/// and to a group arrives, a wrong password and a disabled user are refused, and the database going away is a
/// temporary failure everywhere (never a wrong-password answer) until it comes back, without a restart.
/// </summary>
public abstract class SqlDirectoryServerTestBase(DeploymentFixture fixture) : IAsyncLifetime
{
    private const string AdminPassword = "Admin-sql-2026";
    private const string AdminSecret = "$2b$05$.rUo.eNT7PptwfG7.UtFcu9P73C./uWmyMpfwlNyXh56FNJk78II.";
    private const string SchemePassword = "Can-We-Fix-It-1999";

    /// <summary>One user per stored hash scheme, each with <see cref="SchemePassword"/>.</summary>
    private static readonly (string Name, string Secret)[] SchemeUsers =
    [
        ("u-bcrypt-2a", "$2a$05$9yqua4WBMvH51/kq8O1Re.1RCNMJlq87LhiAgiYmDWj3zSJC0Fa.m"),
        ("u-bcrypt-2b", "$2b$05$bRfvsIQ7VJR6PqkE7RX9Wus6pY.kWpEvLk8aRSZMkLsYib1eqHDUa"),
        ("u-bcrypt-2y", "$2y$05$XWmiwgVBPyUpXvxRa88Ts.GCmAqMuPMwL4G6ui4EL3dBsjLJ1/mUu"),
        ("u-argon2id", "$argon2id$v=19$m=1024,t=2,p=1$c29tZXNhbHRzYWx0$iS6Iz9QkQMOdr2vQ280aDb389QHaC3UmOZcbBOQZnp8"),
        ("u-argon2i", "$argon2i$v=19$m=1024,t=2,p=1$c29tZXNhbHRzYWx0$g7yPQhBXpyAoNtjBiqEtLTKYDYDPx9zRjs7XkArCPW4"),
        ("u-sha512-crypt", "$6$phRW.wkIHFJjRNWX$bxidqzuQ5XjtxDyhXZ/evEKGcPGEdNawWC9ypRAytwzvQhaoD.Mo.3xoGOG77vNfmD0UMtW4p0qsgWs8VRRa30"),
        ("u-sha256-crypt", "$5$LFtAlwqeBc25V2Y2$MzB86SD2bo3gQaLGJ7jd/VkFI.b0tNHHpQDorwXtGD/"),
        ("u-md5-crypt", "$1$OVkEcG5m$WFgSvVnxCRDFM83hxQKph0"),
        ("u-ssha", "{SSHA}g+4kYe+vqP5+OFdWV6aa+mXIxRLl2VXn"),
        ("u-ssha256", "{SSHA256}dt6pJpqk4Hb3SEM664Cy0BFL8KZmehQ0/ToUIJzT+VOLn21xaDgn2Q=="),
        ("u-ssha512", "{SSHA512}ngddpE9pXgcUomI09zK6SorTYSp4nmrixZywWrITXzHKlKJriEucgIRQzm028ewDUcn6vYSunvZ0uCGiXJ117RpPz7t2GQ6c"),
    ];

    // Written by `doveadm pw -s SCRAM-SHA-256` (Dovecot's form), and in RFC 5803's form from the same password.
    private const string DovecotScramSecret = "{SCRAM-SHA-256}4096,akg4xnqRRuOfp6JXSnk29A==,ZV6tjbR5VzetyaBWnQGZMdkvuIhVf3zDjCEW/xsJCgE=,cH4Cu7m/S92+aXofuQykTodommKgBrc8U0kRI6m1U8c=";
    private const string Rfc5803ScramSecret = "SCRAM-SHA-256$4096:bWFpbGhvc3Qtc3FsLXNjcmFt$SG8Ye2EUZ/CP2uVSxfI1Az44iJWg4e+z7A80Tj/8qsY=:FcIdKKRBbR5e9Esg60mAVwwQtMmHQZI/SomWlclm2iE=";

    private readonly string prefix = "dir" + Guid.NewGuid().ToString("N")[..12] + "_";
    private readonly List<TestDeployment> deployments = [];
    private TcpForwarder? relay;

    /// <summary>The store type the directory reads through (<c>postgresql</c> or <c>mysql</c>).</summary>
    protected abstract string StoreType { get; }

    /// <summary>The test server's connection string.</summary>
    protected abstract string ConnectionString { get; }

    /// <summary>The database server's host and port.</summary>
    protected abstract (string Host, int Port) Server { get; }

    /// <summary>The connection string with the port replaced by the relay's.</summary>
    /// <param name="port">The relay's port.</param>
    /// <returns>The connection string.</returns>
    protected abstract string ThroughPort(int port);

    /// <summary>Opens a connection to the test server.</summary>
    /// <returns>The open connection.</returns>
    protected abstract Task<DbConnection> OpenAsync();

    /// <inheritdoc />
    public Task InitializeAsync() => Task.CompletedTask;

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        foreach (var deployment in deployments)
        {
            deployment.Dispose();
        }

        if (relay is not null)
        {
            await relay.DisposeAsync();
        }

        await using var connection = await OpenAsync();
        foreach (var table in new[] { "accounts", "aliases", "members" })
        {
            await ExecuteAsync(connection, $"DROP TABLE IF EXISTS {prefix}{table}");
        }
    }

    [Fact]
    public async Task Users_of_every_hash_scheme_log_in_over_smtp_imap_and_jmap_and_receive_mail_to_aliases_and_groups()
    {
        var deployment = await StartAsync(cacheSeconds: 60);
        var mail = new MailClient(deployment.Server.Http, AdminPassword);

        await SendAsync(deployment.Deployment.ListenerPorts["smtp"], "To the alias", "argon@example.org");
        await SendAsync(deployment.Deployment.ListenerPorts["smtp"], "To everyone", "everyone@example.org");

        Assert.Equal(["To everyone", "To the alias"], (await mail.MessagesAsync("u-argon2id")).Select(m => m.Subject).Order());
        foreach (var (name, _) in SchemeUsers.Where(u => u.Name != "u-argon2id"))
        {
            Assert.Equal(["To everyone"], (await mail.MessagesAsync(name)).Select(m => m.Subject));
        }

        var submission = deployment.Deployment.ListenerPorts["submission"];
        foreach (var (name, _) in SchemeUsers)
        {
            Assert.Equal("235", await AuthReplyAsync(submission, name, SchemePassword));
        }

        Assert.Equal("235", await AuthReplyAsync(submission, "u-argon2id@example.org", SchemePassword));
        Assert.StartsWith("535 ", await AuthReplyAsync(submission, "u-md5-crypt", "Can-We-Fix-It-2000"));
        Assert.StartsWith("535 ", await AuthReplyAsync(submission, "u-disabled", SchemePassword));
        Assert.StartsWith("535 ", await AuthReplyAsync(submission, "' OR '1'='1", SchemePassword));
        Assert.StartsWith("535 ", await AuthReplyAsync(submission, "u-plain", SchemePassword));

        Assert.Equal("OK", await ImapLoginAsync(deployment.Deployment, "u-argon2id", SchemePassword, expectMessages: 2));
        Assert.Equal("OK", await ImapLoginAsync(deployment.Deployment, "u-sha512-crypt", SchemePassword, expectMessages: 1));
        Assert.StartsWith("NO", await ImapLoginAsync(deployment.Deployment, "u-sha512-crypt", "wrong password"));
        Assert.StartsWith("NO", await ImapLoginAsync(deployment.Deployment, "u-disabled", SchemePassword));

        Assert.Equal(HttpStatusCode.OK, await JmapSessionAsync(deployment.Deployment, "u-bcrypt-2y", SchemePassword));
        Assert.Equal(HttpStatusCode.OK, await JmapSessionAsync(deployment.Deployment, "u-ssha256", SchemePassword));
        Assert.Equal(HttpStatusCode.Unauthorized, await JmapSessionAsync(deployment.Deployment, "u-ssha256", "wrong password"));
        Assert.Equal(HttpStatusCode.Forbidden, await JmapSessionAsync(deployment.Deployment, "u-disabled", SchemePassword));
    }

    [Fact]
    public async Task The_database_going_away_is_a_temporary_failure_for_every_protocol_and_logins_resume_when_it_returns()
    {
        var deployment = await StartAsync(cacheSeconds: 0);
        var submission = deployment.Deployment.ListenerPorts["submission"];
        Assert.Equal("235", await AuthReplyAsync(submission, "u-sha256-crypt", SchemePassword));

        await relay!.StopAsync();

        Assert.Equal("454 4.7.0 Temporary authentication failure", await AuthReplyAsync(submission, "u-sha256-crypt", SchemePassword));
        Assert.Equal("454 4.7.0 Temporary authentication failure", await AuthReplyAsync(submission, "u-sha256-crypt", "wrong password"));
        Assert.StartsWith("NO [UNAVAILABLE]", await ImapLoginAsync(deployment.Deployment, "u-sha256-crypt", SchemePassword));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await JmapSessionAsync(deployment.Deployment, "u-sha256-crypt", SchemePassword));
        using (var wire = await SmtpWire.ConnectAsync(deployment.Deployment.ListenerPorts["smtp"]))
        {
            await wire.ReplyAsync();
            await wire.CommandAsync("EHLO client.test");
            Assert.StartsWith("250", await wire.CommandAsync("MAIL FROM:<sender@elsewhere.test>"));
            Assert.StartsWith("451 4.3.0", await wire.CommandAsync("RCPT TO:<u-md5-crypt@example.org>"));
        }

        Assert.False(deployment.Server.HasExited, deployment.Server.Output);
        relay.Start();

        Assert.Equal("235", await AuthReplyOnceBackAsync(submission, "u-sha256-crypt", SchemePassword));
        Assert.Equal("OK", await ImapLoginAsync(deployment.Deployment, "u-sha256-crypt", SchemePassword, expectMessages: 0));
        Assert.Equal(HttpStatusCode.OK, await JmapSessionAsync(deployment.Deployment, "u-sha256-crypt", SchemePassword));
        await SendAsync(deployment.Deployment.ListenerPorts["smtp"], "After the outage", "u-md5-crypt@example.org");
        var mail = new MailClient(deployment.Server.Http, AdminPassword);
        Assert.Equal(["After the outage"], (await mail.MessagesAsync("u-md5-crypt")).Select(m => m.Subject));
    }

    [Fact]
    public async Task With_scram_secrets_in_the_table_smtp_and_imap_clients_log_in_with_scram_sha_256()
    {
        var deployment = await StartAsync(cacheSeconds: 60, scram: true);
        var submission = deployment.Deployment.ListenerPorts["submission"];

        // A SCRAM secret as the secret itself (Dovecot's form), and one in its own column beside a bcrypt hash.
        Assert.Equal("235", await ScramReplyAsync(submission, "u-scram", SchemePassword));
        Assert.Equal("235", await ScramReplyAsync(submission, "u-scram-column", SchemePassword));
        Assert.StartsWith("535 ", await ScramReplyAsync(submission, "u-scram", "Can-We-Fix-It-2000"));

        // A user without a secret cannot use SCRAM, and the disabled one is refused even with the right proof.
        Assert.StartsWith("535 ", await ScramReplyAsync(submission, "u-md5-crypt", SchemePassword));
        Assert.StartsWith("535 ", await ScramReplyAsync(submission, "u-scram-disabled", SchemePassword));

        // The SCRAM secret verifies a plain password too.
        Assert.Equal("OK", await ImapLoginAsync(deployment.Deployment, "u-scram", SchemePassword, expectMessages: 0));
        await ImapScramLoginAsync(deployment.Deployment, "u-scram-column", SchemePassword);
    }

    [Fact]
    public async Task Without_the_scram_setting_scram_sha_256_is_not_offered()
    {
        var deployment = await StartAsync(cacheSeconds: 60);
        using var client = NewClient();
        await client.ConnectAsync("127.0.0.1", deployment.Deployment.ListenerPorts["submission"], SecureSocketOptions.StartTls);
        Assert.Contains("PLAIN", client.AuthenticationMechanisms);
        Assert.DoesNotContain("SCRAM-SHA-256", client.AuthenticationMechanisms);
        await client.DisconnectAsync(true);
    }

    private async Task<(TestDeployment Deployment, ServerProcess Server)> StartAsync(int cacheSeconds, bool scram = false)
    {
        await SeedAsync();
        var (host, port) = Server;
        relay = new TcpForwarder(host, port);
        relay.Start();
        var deployment = new TestDeployment(fixture, Manifest(ThroughPort(relay.Port), cacheSeconds, scram));
        deployments.Add(deployment);
        var server = await deployment.StartServerAsync();
        return (deployment, server);
    }

    private async Task SeedAsync()
    {
        await using var connection = await OpenAsync();
        await ExecuteAsync(connection, $"CREATE TABLE {prefix}accounts (name VARCHAR(64) PRIMARY KEY, kind VARCHAR(16) NOT NULL, secret VARCHAR(255), scram_sha256 VARCHAR(255), address VARCHAR(255), disabled INT NOT NULL DEFAULT 0, roles VARCHAR(64))");
        await ExecuteAsync(connection, $"CREATE TABLE {prefix}aliases (name VARCHAR(64) NOT NULL, address VARCHAR(255) NOT NULL)");
        await ExecuteAsync(connection, $"CREATE TABLE {prefix}members (group_name VARCHAR(64) NOT NULL, member VARCHAR(64) NOT NULL)");
        await InsertAccountAsync(connection, "admin", "user", AdminSecret, "postmaster@example.org", disabled: false, roles: "admin");
        foreach (var (name, secret) in SchemeUsers)
        {
            await InsertAccountAsync(connection, name, "user", secret, $"{name}@example.org", disabled: false, roles: null);
            await InsertAsync(connection, $"INSERT INTO {prefix}members (group_name, member) VALUES (@a, @b)", "everyone", name);
        }

        // Right password, but the account is switched off; and one stored in clear, which the manifest does not allow.
        await InsertAccountAsync(connection, "u-disabled", "user", SchemeUsers[0].Secret, "u-disabled@example.org", disabled: true, roles: null);
        await InsertAccountAsync(connection, "u-plain", "user", SchemePassword, "u-plain@example.org", disabled: false, roles: null);
        await InsertAccountAsync(connection, "u-scram", "user", DovecotScramSecret, "u-scram@example.org", disabled: false, roles: null);
        await InsertAccountAsync(connection, "u-scram-column", "user", SchemeUsers[1].Secret, "u-scram-column@example.org", disabled: false, roles: null, scram: Rfc5803ScramSecret);
        await InsertAccountAsync(connection, "u-scram-disabled", "user", DovecotScramSecret, "u-scram-disabled@example.org", disabled: true, roles: null);
        await InsertAccountAsync(connection, "everyone", "group", null, "everyone@example.org", disabled: false, roles: null);
        await InsertAsync(connection, $"INSERT INTO {prefix}aliases (name, address) VALUES (@a, @b)", "u-argon2id", "argon@example.org");
    }

    private Task InsertAccountAsync(DbConnection connection, string name, string kind, string? secret, string address, bool disabled, string? roles, string? scram = null)
        => InsertAsync(connection, $"INSERT INTO {prefix}accounts (name, kind, secret, address, disabled, roles, scram_sha256) VALUES (@a, @b, @c, @d, @e, @f, @g)", name, kind, secret, address, disabled ? 1 : 0, roles, scram);

    private static async Task InsertAsync(DbConnection connection, string sql, params object?[] values)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        for (var i = 0; i < values.Length; i++)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = "@" + (char)('a' + i);
            parameter.Value = values[i] ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }

        await command.ExecuteNonQueryAsync();
    }

    private static async Task ExecuteAsync(DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    private string Manifest(string connectionString, int cacheSeconds, bool scram)
        => DirectoryManifests.Sql(
            $"\"Type\": \"{StoreType}\", \"ConnectionString\": \"{connectionString}\"",
            prefix,
            "name, kind, secret, scram_sha256, address, disabled, roles",
            cacheSeconds,
            scram,
            StoreType);
}
