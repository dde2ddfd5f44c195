namespace Mail.Host.Directory;

/// <summary>The outcome of <see cref="IDirectory.ResolveRecipientAsync"/>.</summary>
/// <param name="Kind">Nobody, an individual or a group.</param>
/// <param name="Principal">The individual or the group (with its <see cref="Principal.Members"/>); <see langword="null"/> for nobody.</param>
public sealed record RecipientResolution(RecipientKind Kind, Principal? Principal)
{
    /// <summary>Nobody.</summary>
    public static RecipientResolution NotFound { get; } = new(RecipientKind.NotFound, null);

    /// <summary>Resolves to a principal, individual or group by its kind.</summary>
    /// <param name="principal">The principal.</param>
    /// <returns>The resolution.</returns>
    public static RecipientResolution For(Principal principal)
    {
        ArgumentNullException.ThrowIfNull(principal);
        return new(principal.Kind == PrincipalKind.Group ? RecipientKind.Group : RecipientKind.Individual, principal);
    }
}
