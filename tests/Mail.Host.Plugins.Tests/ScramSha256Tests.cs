using System.Security.Cryptography;
using System.Text;
using Mail.Host.Directory;
using Mail.Host.Plugins.InMemory;
using Mail.Host.Plugins.InternalDirectory;
using Mail.Host.Plugins.Security;
using Mail.Host.Protocols.Sdk;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace Mail.Host.Plugins.Tests;

/// <summary>
/// The server side of SCRAM-SHA-256: the exchange against the example of RFC 7677 §3, refusals of what this server
/// does not accept, the stored form of secrets, and the internal directory keeping a secret for every password.
/// </summary>
public sealed class ScramSha256Tests
{
    private const string ExampleClientFirst = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
    private const string ExampleServerNonce = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
    private const string ExampleServerFirst = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
    private const string ExampleClientFinal = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
    private const string ExampleServerFinal = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

    private static readonly ScramSecret ExampleSecret = Secret(ScramSecrets.Create("pencil", Convert.FromBase64String("W22ZaJ0SNY7soEsUEjb6gQ=="), 4096));

    [Fact]
    public void The_exchange_gives_the_messages_of_the_RFC_7677_example()
    {
        var exchange = new ScramSha256Exchange(ExampleServerNonce);
        Assert.True(exchange.ReadClientFirst(ExampleClientFirst, out var problem), problem);
        Assert.Equal("user", exchange.Username);
        Assert.Equal(ExampleServerFirst, exchange.ServerFirst(ExampleSecret));
        Assert.True(exchange.VerifyClientFinal(ExampleClientFinal, out var serverFinal));
        Assert.Equal(ExampleServerFinal, serverFinal);
    }

    [Fact]
    public void A_proof_made_from_another_password_fails()
    {
        var exchange = new ScramSha256Exchange(ExampleServerNonce);
        Assert.True(exchange.ReadClientFirst(ExampleClientFirst, out _));
        exchange.ServerFirst(Secret(ScramSecrets.Create("pencil2", Convert.FromBase64String("W22ZaJ0SNY7soEsUEjb6gQ=="), 4096)));
        Assert.False(exchange.VerifyClientFinal(ExampleClientFinal, out var serverFinal));
        Assert.Null(serverFinal);
    }

    [Theory]
    [InlineData("c=biws,r=rOprNGfwEbeRWgbNEkqO-other-nonce,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=")]
    [InlineData("c=eSws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=")]
    [InlineData("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=not-base64!")]
    [InlineData("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=AAAA")]
    [InlineData("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0")]
    [InlineData("")]
    public void A_final_message_that_does_not_match_the_exchange_fails(string clientFinal)
    {
        var exchange = new ScramSha256Exchange(ExampleServerNonce);
        Assert.True(exchange.ReadClientFirst(ExampleClientFirst, out _));
        exchange.ServerFirst(ExampleSecret);
        Assert.False(exchange.VerifyClientFinal(clientFinal, out _));
    }

    [Theory]
    [InlineData("p=tls-server-end-point,,n=user,r=abc", "channel binding")]
    [InlineData("n,,n=user,r=abc,m=ext", "mandatory extensions")]
    [InlineData("n,a=admin,n=user,r=abc", "authorization identity")]
    [InlineData("n,,n=us=3Fer,r=abc", "saslname")]
    [InlineData("n,,r=abc", "n=username")]
    [InlineData("x,,n=user,r=abc", "GS2 header")]
    [InlineData("n,,n=user,r=a,b", "n=username and r=nonce")]
    public void First_messages_this_server_does_not_accept_are_refused_with_a_reason(string clientFirst, string reason)
    {
        var exchange = new ScramSha256Exchange();
        Assert.False(exchange.ReadClientFirst(clientFirst, out var problem));
        Assert.Contains(reason, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Escaped_names_and_the_same_authorization_identity_are_read()
    {
        var exchange = new ScramSha256Exchange();
        Assert.True(exchange.ReadClientFirst("n,a=a=2Cb=3Dc,n=a=2Cb=3Dc,r=abc", out var problem), problem);
        Assert.Equal("a,b=c", exchange.Username);
    }

    [Fact]
    public void An_unknown_login_gets_the_same_salt_at_every_attempt_and_never_succeeds()
    {
        string First()
        {
            var exchange = new ScramSha256Exchange("servernonce");
            Assert.True(exchange.ReadClientFirst("n,,n=nobody,r=clientnonce", out _));
            return exchange.ServerFirst(null);
        }

        var first = First();
        Assert.Equal(first, First());
        Assert.Contains(",i=4096", first, StringComparison.Ordinal);

        var attempt = new ScramSha256Exchange("servernonce");
        Assert.True(attempt.ReadClientFirst("n,,n=nobody,r=clientnonce", out _));
        var serverFirst = attempt.ServerFirst(null);
        var clientFinal = ClientFinal("n,,n=nobody,r=clientnonce", serverFirst, "any password");
        Assert.False(attempt.VerifyClientFinal(clientFinal, out _));
    }

    [Fact]
    public void Secrets_are_stored_and_read_back_and_anything_else_reads_as_none()
    {
        var salt = RandomNumberGenerator.GetBytes(16);
        var stored = ScramSecrets.Create("Correct-Horse-9", salt, 4096);
        Assert.StartsWith("SCRAM-SHA-256$4096:", stored, StringComparison.Ordinal);
        Assert.True(ScramSecrets.TryParse(stored, out var iterations, out var readSalt, out var storedKey, out var serverKey));
        Assert.Equal(4096, iterations);
        Assert.Equal(salt, readSalt);
        Assert.Equal(32, storedKey.Length);
        Assert.Equal(32, serverKey.Length);
        Assert.Equal(stored, ScramSecrets.Create("Correct-Horse-9", salt, 4096));
        Assert.NotEqual(stored, ScramSecrets.Create("Correct-Horse-9"));
        Assert.False(ScramSecrets.TryParse(null, out _, out _, out _, out _));
        Assert.False(ScramSecrets.TryParse("$argon2id$v=19$m=1024,t=1,p=1$abc$def", out _, out _, out _, out _));
        Assert.False(ScramSecrets.TryParse("SCRAM-SHA-256$0:AAAA$AAAA:AAAA", out _, out _, out _, out _));
        Assert.False(ScramSecrets.TryParse(stored[..^4], out _, out _, out _, out _));
    }

    [Fact]
    public void Passwords_are_prepared_as_SASLprep_maps_them()
    {
        Assert.Equal("plain ascii", ScramSecrets.Prepare("plain ascii"));
        Assert.Equal("I X", ScramSecrets.Prepare("I\u00ADX".Replace("X", "\u00A0X", StringComparison.Ordinal)));
        Assert.Equal("\u00E9", ScramSecrets.Prepare("e\u0301"));
        Assert.Equal("IX", ScramSecrets.Prepare("\u2168"));
    }

    [Fact]
    public async Task The_internal_directory_keeps_a_secret_for_every_password_and_a_new_password_replaces_it()
    {
        var options = new InternalDirectoryOptions { HashMemoryKiB = 1024, HashIterations = 1, HashParallelism = 1, InitialAdminPassword = "Admin-Password-2024" };
        var directory = await DataStoreDirectory.OpenAsync(new MemoryDataStore(), options, NullLogger.Instance, CancellationToken.None);
        await directory.Administration.CreateDomainAsync(new DomainCreateRequest { Name = "example.org" });
        await directory.Administration.CreateAccountAsync(new AccountCreateRequest { Name = "alice", Password = "Correct-Horse-9", Addresses = ["alice@example.org"] });
        await directory.Administration.CreateAccountAsync(new AccountCreateRequest { Name = "bob", Password = "Correct-Horse-9", Addresses = ["bob@example.org"], Disabled = true });

        Assert.True(await LogsInAsync(directory, "alice", "Correct-Horse-9"));
        Assert.True(await LogsInAsync(directory, "alice@example.org", "Correct-Horse-9"));
        Assert.False(await LogsInAsync(directory, "alice", "Wrong-Horse-9"));
        Assert.True(await LogsInAsync(directory, "admin", "Admin-Password-2024"));
        Assert.Null(await directory.FindScramSha256Async("nobody"));

        var bob = await directory.FindScramSha256Async("bob");
        Assert.NotNull(bob);
        Assert.True(bob.Principal.Disabled);

        await directory.Administration.UpdateAccountAsync("alice", new AccountUpdateRequest { Password = "Battery-Staple-7" });
        Assert.False(await LogsInAsync(directory, "alice", "Correct-Horse-9"));
        Assert.True(await LogsInAsync(directory, "alice", "Battery-Staple-7"));
        await directory.Administration.UpdateAccountAsync("alice", new AccountUpdateRequest { DisplayName = "Alice" });
        Assert.True(await LogsInAsync(directory, "alice", "Battery-Staple-7"));
    }

    private static ScramSecret Secret(string stored)
    {
        Assert.True(ScramSecrets.TryParse(stored, out var iterations, out var salt, out var storedKey, out var serverKey));
        return new ScramSecret(iterations, salt, storedKey, serverKey);
    }

    /// <summary>Runs a whole exchange as a client that knows <paramref name="password"/>.</summary>
    private static async Task<bool> LogsInAsync(IScramSecretStore store, string username, string password)
    {
        var clientFirst = $"n,,n={username.Replace("=", "=3D", StringComparison.Ordinal).Replace(",", "=2C", StringComparison.Ordinal)},r=" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(12));
        var login = await store.FindScramSha256Async(username);
        var exchange = new ScramSha256Exchange();
        Assert.True(exchange.ReadClientFirst(clientFirst, out _));
        var serverFirst = exchange.ServerFirst(login?.Secret);
        var ok = exchange.VerifyClientFinal(ClientFinal(clientFirst, serverFirst, password), out _);
        return ok && login is not null;
    }

    /// <summary>The client's side of RFC 5802 §3, written from the RFC, to drive the server in these tests.</summary>
    private static string ClientFinal(string clientFirst, string serverFirst, string password)
    {
        var fields = serverFirst.Split(',').ToDictionary(f => f[0], f => f[2..]);
        var salted = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), Convert.FromBase64String(fields['s']), int.Parse(fields['i'], System.Globalization.CultureInfo.InvariantCulture), HashAlgorithmName.SHA256, 32);
        var clientKey = HMACSHA256.HashData(salted, "Client Key"u8);
        var storedKey = SHA256.HashData(clientKey);
        var withoutProof = $"c=biws,r={fields['r']}";
        var authMessage = Encoding.UTF8.GetBytes($"{clientFirst[3..]},{serverFirst},{withoutProof}");
        var signature = HMACSHA256.HashData(storedKey, authMessage);
        var proof = clientKey.Zip(signature, (a, b) => (byte)(a ^ b)).ToArray();
        return $"{withoutProof},p={Convert.ToBase64String(proof)}";
    }
}
