namespace Mail.Host.Protocols.Sdk;

/// <summary>What <see cref="LineConnection.ReadLineAsync"/> found.</summary>
public enum LineReadStatus
{
    /// <summary>A complete line, without its line ending.</summary>
    Line,

    /// <summary>A line longer than the limit; it was read up to its end and discarded.</summary>
    TooLong,

    /// <summary>The peer closed the connection before a complete line.</summary>
    Closed,
}
