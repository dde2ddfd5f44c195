using System.Globalization;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;

namespace Mail.Host.Outbound;

/// <summary>
/// ARC sealing of relayed mail (RFC 8617). A message that reaches the queue already carrying an ARC set was received
/// from another handler and is being passed on: before it leaves, its chain is verified (MimeKit's ArcVerifier) and a
/// new set is added with the next instance number: ARC-Authentication-Results (this server's findings: the chain's
/// result and the submitting account), ARC-Message-Signature and ARC-Seal, whose <c>cv=</c> is the chain's result,
/// signed with the DKIM key of the envelope sender's domain (else the From domain) when its <c>Arc</c> switch is on.
/// A chain whose last seal already says <c>cv=fail</c>, or that has 50 sets, is not sealed again (RFC 8617 section 5.1.1).
/// </summary>
internal sealed class ArcSealing
{
    /// <summary>The highest instance number RFC 8617 allows.</summary>
    public const int MaxInstance = 50;

    private static readonly HeaderId[] SignedHeaders =
    [
        HeaderId.From, HeaderId.To, HeaderId.Cc, HeaderId.Subject, HeaderId.Date, HeaderId.MessageId, HeaderId.InReplyTo,
        HeaderId.References, HeaderId.MimeVersion, HeaderId.ContentType, HeaderId.ContentTransferEncoding, HeaderId.ReplyTo,
    ];

    private readonly Dictionary<string, (AsymmetricKeyParameter Key, DkimSignatureAlgorithm Algorithm, string Selector)> keys = new(StringComparer.OrdinalIgnoreCase);
    private readonly ArcVerifier verifier;
    private readonly string authServId;

    /// <summary>Reads the keys whose <c>Arc</c> switch is on.</summary>
    /// <param name="keys">The manifest's DKIM keys.</param>
    /// <param name="locator">Finds the public keys of the chain's earlier sets.</param>
    /// <param name="authServId">This server's name, the authserv-id of the ARC-Authentication-Results.</param>
    public ArcSealing(IEnumerable<DkimKeyOptions> keys, IDkimPublicKeyLocator locator, string authServId)
    {
        foreach (var key in keys.Where(k => k.Arc))
        {
            var (privateKey, algorithm) = DkimSigning.LoadKey(key.KeyPath);
            this.keys[key.Domain] = (privateKey, algorithm, key.Selector);
        }

        verifier = new ArcVerifier(locator);
        this.authServId = authServId;
    }

    /// <summary>Whether no domain seals.</summary>
    public bool IsEmpty => keys.Count == 0;

    /// <summary>
    /// Checks the message's chain before anything else changes it. Null when the message is not to be sealed: it has
    /// no ARC set (it is not being relayed), no domain of it has a sealing key, its last seal already failed, or the
    /// chain is full.
    /// </summary>
    /// <param name="message">The message as queued.</param>
    /// <param name="envelopeFrom">The MAIL FROM address.</param>
    /// <param name="authenticatedAs">The account that submitted it, if any.</param>
    /// <param name="cancellationToken">Cancels the key lookups.</param>
    public async Task<ArcSealPlan?> PrepareAsync(MimeMessage message, string envelopeFrom, string? authenticatedAs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (keys.Count == 0)
        {
            return null;
        }

        var seals = message.Headers.Where(h => h.Id == HeaderId.ArcSeal).Select(h => Tags(h.Value)).ToList();
        if (seals.Count == 0)
        {
            return null;
        }

        var latest = seals.MaxBy(t => int.TryParse(t.GetValueOrDefault("i"), NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? i : 0)!;
        if (string.Equals(latest.GetValueOrDefault("cv"), "fail", StringComparison.OrdinalIgnoreCase) || seals.Count >= MaxInstance)
        {
            return null;
        }

        var domain = new[] { DomainOf(envelopeFrom), DomainOf(message.From.Mailboxes.FirstOrDefault()?.Address) }.FirstOrDefault(d => d is not null && keys.ContainsKey(d));
        if (domain is null)
        {
            return null;
        }

        string chain;
        try
        {
            var result = await verifier.VerifyAsync(message, cancellationToken).ConfigureAwait(false);
            chain = result.Chain == ArcSignatureValidationResult.Pass ? "pass" : "fail";
        }
        catch (Exception ex) when (ex is not (OperationCanceledException or OutOfMemoryException))
        {
            // A malformed set or key record: the chain cannot be trusted.
            chain = "fail";
        }

        var results = new AuthenticationResults(authServId);
        if (authenticatedAs is { Length: > 0 })
        {
            var auth = new AuthenticationMethodResult("auth", "pass");
            auth.Properties.Add(new AuthenticationMethodProperty("smtp", "auth", authenticatedAs));
            results.Results.Add(auth);
        }

        results.Results.Add(new AuthenticationMethodResult("arc", chain));
        return new ArcSealPlan(domain, seals.Count + 1, chain, results);
    }

    /// <summary>Adds the ARC set the plan describes (after DKIM signing, so the message is final).</summary>
    /// <param name="message">The message to seal.</param>
    /// <param name="plan">What <see cref="PrepareAsync"/> found.</param>
    /// <param name="cancellationToken">Cancels the signing.</param>
    public async Task SealAsync(MimeMessage message, ArcSealPlan plan, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(plan);
        var (key, algorithm, selector) = keys[plan.Domain];
        var signer = new PlannedArcSigner(key, plan.Domain, selector, algorithm, plan.Results)
        {
            HeaderCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
            BodyCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
        };
        message.Prepare(EncodingConstraint.SevenBit);
        await signer.SignAsync(FormatOptions.Default, message, [.. SignedHeaders.Where(h => message.Headers.Contains(h))], cancellationToken).ConfigureAwait(false);
    }

    private static string? DomainOf(string? address)
    {
        var at = address?.LastIndexOf('@') ?? -1;
        return at < 0 ? null : address![(at + 1)..];
    }

    private static Dictionary<string, string> Tags(string value)
    {
        var tags = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var item in value.Split(';'))
        {
            var equals = item.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                tags[item[..equals].Trim()] = new string([.. item[(equals + 1)..].Where(c => !char.IsWhiteSpace(c))]);
            }
        }

        return tags;
    }

    /// <summary>MimeKit's ARC signer with the ARC-Authentication-Results worked out beforehand.</summary>
    private sealed class PlannedArcSigner(AsymmetricKeyParameter key, string domain, string selector, DkimSignatureAlgorithm algorithm, AuthenticationResults results)
        : ArcSigner(key, domain, selector, algorithm)
    {
        protected override AuthenticationResults GenerateArcAuthenticationResults(FormatOptions options, MimeMessage message, CancellationToken cancellationToken) => results;

        protected override Task<AuthenticationResults> GenerateArcAuthenticationResultsAsync(FormatOptions options, MimeMessage message, CancellationToken cancellationToken) => Task.FromResult(results);
    }
}
