namespace Mail.Host.Plugins.Imap;

/// <summary>What one FETCH data item asks for.</summary>
internal enum FetchKind
{
    Flags,
    InternalDate,
    Size,
    Envelope,
    Body,
    BodyStructure,
    Uid,
    ModSeq,
    EmailId,
    ThreadId,
    Preview,
    Section,
    Binary,
    BinarySize,
}

/// <summary>One FETCH data item; for sections, the part path, the text part and the partial range.</summary>
internal sealed record FetchItem(FetchKind Kind)
{
    /// <summary>The name the response uses (<c>BODY[1.2]&lt;0&gt;</c>, <c>RFC822.HEADER</c>…).</summary>
    public string ResponseName { get; init; } = string.Empty;

    public int[] Path { get; init; } = [];

    /// <summary>Empty for the whole part, or HEADER, HEADER.FIELDS, HEADER.FIELDS.NOT, TEXT, MIME.</summary>
    public string Text { get; init; } = string.Empty;

    public IReadOnlyList<string> Fields { get; init; } = [];

    public bool Peek { get; init; }

    public long? PartialOffset { get; init; }

    public long? PartialLength { get; init; }

    public bool NeedsMetadata => Kind is FetchKind.Envelope or FetchKind.Body or FetchKind.BodyStructure or FetchKind.ThreadId or FetchKind.Preview
        or FetchKind.Section or FetchKind.Binary or FetchKind.BinarySize;
}
