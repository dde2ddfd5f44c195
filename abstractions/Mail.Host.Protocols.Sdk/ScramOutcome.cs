using Mail.Host.Directory;

namespace Mail.Host.Protocols.Sdk;

/// <summary>How a SCRAM-SHA-256 login ended (<see cref="ScramSha256Login"/>).</summary>
public sealed record ScramOutcome
{
    private ScramOutcome()
    {
    }

    /// <summary>The client cancelled, or the connection failed; the protocol has already answered.</summary>
    public static ScramOutcome Cancelled { get; } = new();

    /// <summary>Why the client's message was refused, when it was malformed; null otherwise.</summary>
    public string? Problem { get; private init; }

    /// <summary>Whether the directory could not be reached (a temporary failure).</summary>
    public bool DirectoryUnavailable { get; private init; }

    /// <summary>The login name the client gave, once known.</summary>
    public string? Username { get; private init; }

    /// <summary>The directory's verdict, when the exchange ran to its end.</summary>
    public AuthenticationResult? Result { get; private init; }

    /// <summary>A malformed message.</summary>
    /// <param name="problem">What was wrong.</param>
    /// <returns>The outcome.</returns>
    public static ScramOutcome Malformed(string problem) => new() { Problem = problem };

    /// <summary>The directory could not be reached.</summary>
    /// <param name="username">The login name.</param>
    /// <returns>The outcome.</returns>
    public static ScramOutcome Unavailable(string username) => new() { Username = username, DirectoryUnavailable = true };

    /// <summary>The exchange ran to its end.</summary>
    /// <param name="username">The login name.</param>
    /// <param name="result">Success, disabled, or invalid credentials.</param>
    /// <returns>The outcome.</returns>
    public static ScramOutcome Done(string username, AuthenticationResult result) => new() { Username = username, Result = result };
}
