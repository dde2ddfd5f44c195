using Microsoft.Extensions.Hosting;

namespace Mail.Host.Runtime;

/// <summary>
/// Flushes every store when the application stops. Registered before the listeners, so it stops after them: the
/// last write of the last session is in before the flush.
/// </summary>
internal sealed class StoreFlushOnStop(MailStores stores) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => stores.FlushAsync(cancellationToken);
}
