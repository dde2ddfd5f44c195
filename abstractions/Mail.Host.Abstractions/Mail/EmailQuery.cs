namespace Mail.Host.Mail;

/// <summary>
/// One page of a search over the emails of an account (JMAP <c>Email/query</c>, RFC 8620 §5.5): the filter and sort of
/// <see cref="IMailAccount.QueryEmailsAsync(MailFilter?, IReadOnlyList{MailSort}?, bool, CancellationToken)"/> plus the
/// window of results wanted, so that an engine can stop once the page is known instead of listing every match.
/// </summary>
public sealed record EmailQuery
{
    /// <summary>The filter; <see langword="null"/> for every email.</summary>
    public MailFilter? Filter { get; init; }

    /// <summary>The sort criteria; <see langword="null"/> or empty for ascending email id (creation order).</summary>
    public IReadOnlyList<MailSort>? Sort { get; init; }

    /// <summary>Whether to keep only the first email of each thread in sort order (JMAP <c>collapseThreads</c>).</summary>
    public bool CollapseThreads { get; init; }

    /// <summary>
    /// The index of the first result of the page; a negative value counts from the end (−1 is the last result). Ignored
    /// when <see cref="Anchor"/> is set.
    /// </summary>
    public long Position { get; init; }

    /// <summary>
    /// An email id the page is placed relative to: the page starts <see cref="AnchorOffset"/> results after it (before
    /// it when negative). An anchor that is not among the results gives <see cref="MailErrorCode.AnchorNotFound"/>.
    /// </summary>
    public ulong? Anchor { get; init; }

    /// <summary>The offset of the page's first result from <see cref="Anchor"/>.</summary>
    public long AnchorOffset { get; init; }

    /// <summary>The most ids in the page; <see langword="null"/> for every result from the start of the page.</summary>
    public int? Limit { get; init; }

    /// <summary>Whether to count every result (<see cref="EmailQueryResult.Total"/>), which may cost a full pass.</summary>
    public bool CalculateTotal { get; init; }

    /// <summary>Cuts a full result, already in sort order, to the page this query asks for.</summary>
    /// <param name="ids">Every matching email id, in sort order.</param>
    /// <returns>The page, its position and, when asked, the total.</returns>
    /// <exception cref="MailException"><see cref="MailErrorCode.AnchorNotFound"/> when the anchor is not among <paramref name="ids"/>.</exception>
    public EmailQueryResult PageOf(IReadOnlyList<ulong> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        long start;
        if (Anchor is { } anchor)
        {
            var index = -1;
            for (var i = 0; i < ids.Count; i++)
            {
                if (ids[i] == anchor)
                {
                    index = i;
                    break;
                }
            }

            if (index < 0)
            {
                throw new MailException(MailErrorCode.AnchorNotFound, "The anchor is not among the results.");
            }

            start = Math.Max(0, index + AnchorOffset);
        }
        else
        {
            start = Position < 0 ? Math.Max(0, ids.Count + Position) : Position;
        }

        start = Math.Min(start, ids.Count);
        var count = (int)Math.Min(ids.Count - start, Limit ?? int.MaxValue);
        var page = new ulong[Math.Max(0, count)];
        for (var i = 0; i < page.Length; i++)
        {
            page[i] = ids[(int)start + i];
        }

        return new EmailQueryResult { Ids = page, Position = start, Total = CalculateTotal ? ids.Count : null };
    }
}
