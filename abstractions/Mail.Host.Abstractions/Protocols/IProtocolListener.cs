namespace Mail.Host.Protocols;

/// <summary>A protocol listener on one or more endpoints, started and stopped by the host.</summary>
public interface IProtocolListener : IAsyncDisposable
{
    /// <summary>Binds the endpoints and starts accepting connections; a bind failure throws and stops the start.</summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>A task that completes once the endpoints accept connections.</returns>
    Task StartAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Stops accepting connections, lets sessions in progress finish their current command, then closes them.
    /// </summary>
    /// <param name="cancellationToken">Signalled when the shutdown timeout runs out: close everything now.</param>
    /// <returns>A task that completes when every session is closed.</returns>
    Task StopAsync(CancellationToken cancellationToken);
}
