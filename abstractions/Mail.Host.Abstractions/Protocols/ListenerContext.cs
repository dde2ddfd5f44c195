using System.Net;
using Microsoft.Extensions.Configuration;

namespace Mail.Host.Protocols;

/// <summary>What a protocol provider is told about a listener from the manifest's <c>Listeners</c> section.</summary>
public sealed class ListenerContext
{
    /// <summary>The listener's name in the manifest.</summary>
    public required string Name { get; init; }

    /// <summary>The protocol, lower case.</summary>
    public required string Protocol { get; init; }

    /// <summary>The endpoints to bind (<c>Listeners:&lt;name&gt;:Bind</c>).</summary>
    public required IReadOnlyList<IPEndPoint> Endpoints { get; init; }

    /// <summary>How the listener uses TLS (<c>Listeners:&lt;name&gt;:Tls</c>).</summary>
    public required TlsMode Tls { get; init; }

    /// <summary>The listener's section of the manifest, for protocol-specific keys.</summary>
    public required IConfiguration Settings { get; init; }

    /// <summary>The folder relative paths resolve against: the manifest's folder.</summary>
    public required string BaseDirectory { get; init; }

    /// <summary>The host's services: stores, directories, loggers.</summary>
    public required IServiceProvider Services { get; init; }

    /// <summary>Resolves a path from the settings against <see cref="BaseDirectory"/>; absolute paths stay as they are.</summary>
    /// <param name="path">A path as written in the manifest.</param>
    /// <returns>The full path.</returns>
    public string ResolvePath(string path) => Path.GetFullPath(path, BaseDirectory);
}
