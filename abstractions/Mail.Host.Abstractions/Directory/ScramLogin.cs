namespace Mail.Host.Directory;

/// <summary>A login with its SCRAM secret: who the client becomes when its proof matches.</summary>
/// <param name="Principal">The principal (check <see cref="Principal.Disabled"/> before letting it in).</param>
/// <param name="Secret">The SCRAM secret of its password.</param>
public sealed record ScramLogin(Principal Principal, ScramSecret Secret);
