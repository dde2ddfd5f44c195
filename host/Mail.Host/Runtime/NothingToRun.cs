using Microsoft.Extensions.Hosting;

namespace Mail.Host.Runtime;

/// <summary>A hosted service that does nothing: stands for one whose stores the manifest does not provide.</summary>
internal sealed class NothingToRun : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
