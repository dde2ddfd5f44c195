using Mail.Host.Protocols;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mail.Host.Runtime;

/// <summary>Starts the protocol listeners with the application and stops them, gracefully, when it stops.</summary>
internal sealed class ProtocolListeners(ILogger<ProtocolListeners> logger) : IHostedService, IAsyncDisposable
{
    private readonly List<(string Name, IProtocolListener Listener)> listeners = [];
    private readonly List<(string Name, IProtocolListener Listener)> started = [];

    public void Add(string name, IProtocolListener listener) => listeners.Add((name, listener));

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var (name, listener) in listeners)
        {
            await listener.StartAsync(cancellationToken).ConfigureAwait(false);
            started.Add((name, listener));
            logger.LogInformation("Listener {Listener} started", name);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // Stopped together: each finishes its sessions' current commands within the same shutdown timeout.
        await Task.WhenAll(started.Select(async entry =>
        {
            try
            {
                await entry.Listener.StopAsync(cancellationToken).ConfigureAwait(false);
                logger.LogInformation("Listener {Listener} stopped", entry.Name);
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Listener {Listener} did not stop cleanly", entry.Name);
            }
        })).ConfigureAwait(false);
        started.Clear();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (_, listener) in listeners)
        {
            await listener.DisposeAsync().ConfigureAwait(false);
        }

        listeners.Clear();
    }
}
