using Mail.Host.Outbound;
using Microsoft.Extensions.Configuration;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;
using Xunit;

namespace Mail.Host.Tests;

/// <summary>
/// ARC sealing of relayed mail (RFC 8617) without a network: keys made by <see cref="DkimKeys"/>, public keys served
/// from memory, chains checked with MimeKit's ArcVerifier: instance numbers, <c>cv=</c> values, and when no set is added.
/// </summary>
public sealed class ArcSealingTests : IDisposable
{
    private readonly TestFolder folder = new();
    private readonly MemoryKeys publicKeys = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public async Task A_message_without_an_arc_chain_is_not_being_relayed_and_gets_no_seal()
    {
        var sealing = Sealer("a.test");
        var message = Message();
        Assert.Null(await sealing.PrepareAsync(message, "alice@a.test", "alice", CancellationToken.None));
        Assert.False(message.Headers.Contains(HeaderId.ArcSeal));
    }

    [Fact]
    public async Task Each_relay_adds_the_next_instance_with_cv_pass_and_the_whole_chain_verifies()
    {
        var message = Message();
        await FirstHopAsync(message);

        var plan = await Sealer("a.test").PrepareAsync(message, "alice@a.test", "alice", CancellationToken.None);
        Assert.NotNull(plan);
        Assert.Equal(("a.test", 2, "pass"), (plan.Domain, plan.Instance, plan.ChainValidation));
        var dkim = new DkimSigning([Key("a.test")]);
        dkim.TrySign(message);
        await Sealer("a.test").SealAsync(message, plan, CancellationToken.None);

        var seal = Latest(message, HeaderId.ArcSeal);
        Assert.Contains("i=2", seal);
        Assert.Contains("cv=pass", seal);
        Assert.Contains("d=a.test", seal);
        Assert.Contains("s=mail", seal);
        Assert.Contains("i=2", Latest(message, HeaderId.ArcMessageSignature));
        var results = Latest(message, HeaderId.ArcAuthenticationResults);
        Assert.StartsWith("i=2; mx.a.test", results);
        Assert.Contains("smtp.auth=alice", results);
        Assert.Contains("arc=pass", results);
        Assert.Equal(ArcSignatureValidationResult.Pass, (await new ArcVerifier(publicKeys).VerifyAsync(message)).Chain);

        // A further relay, with the From domain's key (the envelope sender's domain has none).
        var third = Sealer("list.test");
        var next = await third.PrepareAsync(message, "bounces@elsewhere.test", null, CancellationToken.None);
        Assert.NotNull(next);
        Assert.Equal(("list.test", 3, "pass"), (next.Domain, next.Instance, next.ChainValidation));
        await third.SealAsync(message, next, CancellationToken.None);
        Assert.Contains("cv=pass", Latest(message, HeaderId.ArcSeal));
        Assert.DoesNotContain("smtp.auth", Latest(message, HeaderId.ArcAuthenticationResults));
        Assert.Equal(3, message.Headers.Count(h => h.Id == HeaderId.ArcSeal));
        Assert.Equal(ArcSignatureValidationResult.Pass, (await new ArcVerifier(publicKeys).VerifyAsync(message)).Chain);
    }

    [Fact]
    public async Task A_chain_broken_on_the_way_is_sealed_with_cv_fail_and_then_never_sealed_again()
    {
        var message = Message();
        await FirstHopAsync(message);
        message.Subject = "Changed after the first seal";

        var sealing = Sealer("a.test");
        var plan = await sealing.PrepareAsync(message, "alice@a.test", "alice", CancellationToken.None);
        Assert.NotNull(plan);
        Assert.Equal((2, "fail"), (plan.Instance, plan.ChainValidation));
        await sealing.SealAsync(message, plan, CancellationToken.None);
        Assert.Contains("cv=fail", Latest(message, HeaderId.ArcSeal));
        Assert.Contains("arc=fail", Latest(message, HeaderId.ArcAuthenticationResults));
        Assert.Equal(ArcSignatureValidationResult.Fail, (await new ArcVerifier(publicKeys).VerifyAsync(message)).Chain);

        Assert.Null(await Sealer("list.test").PrepareAsync(message, "x@list.test", null, CancellationToken.None));
    }

    [Fact]
    public async Task A_chain_is_not_sealed_by_a_domain_whose_arc_switch_is_off_or_that_has_no_key()
    {
        var message = Message();
        await FirstHopAsync(message);
        var off = new ArcSealing([Key("a.test") with { Arc = false }], publicKeys, "mx.a.test");
        Assert.True(off.IsEmpty);
        Assert.Null(await off.PrepareAsync(message, "alice@a.test", "alice", CancellationToken.None));
        Assert.Null(await Sealer("b.test").PrepareAsync(message, "alice@a.test", "alice", CancellationToken.None));
    }

    [Fact]
    public void The_arc_switch_is_read_per_domain_and_bad_values_are_reported()
    {
        var path = folder.Write("k.pem", DkimKeys.Generate(false).PrivateKeyPem);
        var section = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Outbound:Dkim:a.test:Selector"] = "mail",
            ["Outbound:Dkim:a.test:KeyPath"] = path,
            ["Outbound:Dkim:b.test:Selector"] = "mail",
            ["Outbound:Dkim:b.test:KeyPath"] = path,
            ["Outbound:Dkim:b.test:Arc"] = "false",
        }).Build().GetSection("Outbound");
        var (options, problems) = OutboundOptions.Read(section, p => p);
        Assert.Empty(problems);
        Assert.True(options.Dkim["a.test"].Arc);
        Assert.False(options.Dkim["b.test"].Arc);

        var bad = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Outbound:Dkim:a.test:Selector"] = "mail",
            ["Outbound:Dkim:a.test:KeyPath"] = path,
            ["Outbound:Dkim:a.test:Arc"] = "sometimes",
            ["Outbound:Dkim:a.test:Seal"] = "true",
        }).Build().GetSection("Outbound");
        var (_, badProblems) = OutboundOptions.Read(bad, p => p);
        Assert.Contains(badProblems, p => p.Contains("Outbound:Dkim:a.test:Arc is 'sometimes'", StringComparison.Ordinal));
        Assert.Contains(badProblems, p => p.Contains("unknown setting Outbound:Dkim:a.test:Seal", StringComparison.Ordinal));
    }

    private static MimeMessage Message()
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("announce@list.test"));
        message.To.Add(MailboxAddress.Parse("bob@b.test"));
        message.Subject = "Relayed";
        message.Date = DateTimeOffset.UtcNow;
        message.MessageId = "relayed@list.test";
        message.Body = new TextPart("plain") { Text = "Passed along.\r\n" };
        return message;
    }

    private static string Latest(MimeMessage message, HeaderId id)
        => message.Headers.Where(h => h.Id == id).MaxBy(h => int.Parse(h.Value.Split(';')[0].Trim()[2..], System.Globalization.CultureInfo.InvariantCulture))!.Value;

    /// <summary>The first handler's set (i=1, cv=none), made by MimeKit's signer directly.</summary>
    private async Task FirstHopAsync(MimeMessage message)
    {
        var key = Key("origin.test");
        var (privateKey, algorithm) = DkimSigning.LoadKey(key.KeyPath);
        var signer = new FirstHopSigner(privateKey, "origin.test", "mail", algorithm)
        {
            HeaderCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
            BodyCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
        };
        await signer.SignAsync(FormatOptions.Default, message, [HeaderId.From, HeaderId.To, HeaderId.Subject, HeaderId.Date, HeaderId.MessageId]);
        Assert.Contains("cv=none", message.Headers[HeaderId.ArcSeal]);
    }

    private ArcSealing Sealer(string domain) => new([Key(domain)], publicKeys, "mx." + domain);

    /// <summary>The domain's key (made once per test), its public half served by <see cref="publicKeys"/>.</summary>
    private DkimKeyOptions Key(string domain)
    {
        var path = folder.Combine(domain + ".pem");
        if (!File.Exists(path))
        {
            var (pem, txt) = DkimKeys.Generate(ed25519: false);
            folder.Write(domain + ".pem", pem);
            publicKeys.Records["mail._domainkey." + domain] = txt;
        }

        return new DkimKeyOptions(domain, "mail", path);
    }

    private sealed class MemoryKeys : DkimPublicKeyLocatorBase
    {
        public Dictionary<string, string> Records { get; } = new(StringComparer.OrdinalIgnoreCase);

        public override AsymmetricKeyParameter LocatePublicKey(string methods, string domain, string selector, CancellationToken cancellationToken = default)
            => GetPublicKey(Records[$"{selector}._domainkey.{domain}"]);

        public override Task<AsymmetricKeyParameter> LocatePublicKeyAsync(string methods, string domain, string selector, CancellationToken cancellationToken = default)
            => Task.FromResult(LocatePublicKey(methods, domain, selector, cancellationToken));
    }

    private sealed class FirstHopSigner(AsymmetricKeyParameter key, string domain, string selector, DkimSignatureAlgorithm algorithm)
        : ArcSigner(key, domain, selector, algorithm)
    {
        protected override AuthenticationResults GenerateArcAuthenticationResults(FormatOptions options, MimeMessage message, CancellationToken cancellationToken)
            => new("mx.origin.test") { Results = { new AuthenticationMethodResult("spf", "pass") } };

        protected override Task<AuthenticationResults> GenerateArcAuthenticationResultsAsync(FormatOptions options, MimeMessage message, CancellationToken cancellationToken)
            => Task.FromResult(GenerateArcAuthenticationResults(options, message, cancellationToken));
    }
}
