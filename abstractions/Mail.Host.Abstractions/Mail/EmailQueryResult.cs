namespace Mail.Host.Mail;

/// <summary>One page of results of <see cref="IMailAccount.QueryEmailPageAsync(EmailQuery, CancellationToken)"/>.</summary>
public sealed record EmailQueryResult
{
    /// <summary>The email ids of the page, in sort order.</summary>
    public IReadOnlyList<ulong> Ids { get; init; } = [];

    /// <summary>The index of the page's first result among all results (JMAP's <c>position</c> in the response).</summary>
    public long Position { get; init; }

    /// <summary>How many emails match in all, when <see cref="EmailQuery.CalculateTotal"/> asked for it.</summary>
    public long? Total { get; init; }
}
