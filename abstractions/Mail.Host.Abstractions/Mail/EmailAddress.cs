namespace Mail.Host.Mail;

/// <summary>An address from a header such as From or To (JMAP <c>EmailAddress</c>).</summary>
/// <param name="Name">The display name, decoded, or <see langword="null"/> when there is none.</param>
/// <param name="Address">The address as written (<c>local@domain</c>); empty when the header held only a group name or garbage.</param>
public sealed record EmailAddress(string? Name, string Address)
{
    /// <summary>The obsolete source route of the address (<c>@relay1,@relay2</c>, RFC 5322 §4.4), or <see langword="null"/>.</summary>
    public string? Route { get; init; }
}
