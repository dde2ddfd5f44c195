namespace Mail.Host.Protocols.Sdk;

/// <summary>Connection limits of a <see cref="TcpServer"/>.</summary>
public sealed record TcpServerOptions
{
    /// <summary>The most connections open at once; more are refused with <see cref="RefusalLine"/>.</summary>
    public int MaxConnections { get; init; } = 1000;

    /// <summary>The most connections open at once from one IP address.</summary>
    public int MaxConnectionsPerIp { get; init; } = 50;

    /// <summary>The line written to a connection refused by a limit before it is closed (CRLF is added); none when null.</summary>
    public string? RefusalLine { get; init; }

    /// <summary>The listen backlog of each socket.</summary>
    public int Backlog { get; init; } = 1024;
}
