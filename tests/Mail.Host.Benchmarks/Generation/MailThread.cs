namespace Mail.Host.Benchmarks.Generation;

/// <summary>A conversation still expecting replies while messages are generated.</summary>
internal sealed class MailThread
{
    public required string Subject { get; init; }

    public required List<string> References { get; init; }

    public required Person LastFrom { get; set; }

    public required Person[] LastTo { get; set; }

    public required Person[] Cc { get; init; }

    public required string LastBody { get; set; }

    public required DateTimeOffset LastDate { get; set; }

    public int RemainingReplies { get; set; }
}
