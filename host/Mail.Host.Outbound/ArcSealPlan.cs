using MimeKit.Cryptography;

namespace Mail.Host.Outbound;

/// <summary>The ARC set a relayed message will get: who seals it, its instance number and chain validation status.</summary>
/// <param name="Domain">The sealing domain (<c>d=</c>).</param>
/// <param name="Instance">The new set's instance (<c>i=</c>): one more than the sets the message carries.</param>
/// <param name="ChainValidation">The <c>cv=</c> of the new seal: <c>pass</c> or <c>fail</c>.</param>
/// <param name="Results">The ARC-Authentication-Results of this hop.</param>
internal sealed record ArcSealPlan(string Domain, int Instance, string ChainValidation, AuthenticationResults Results);
