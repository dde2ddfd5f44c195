using Mail.Host.Manifest;
using Mail.Host.Mail;
using Mail.Host.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mail.Host.Runtime;

/// <summary>
/// Collects unreferenced blobs, purges the change log and indexes emails a stopped process left unindexed: once
/// shortly after start (which also clears what a process that was killed left behind) and then every
/// <see cref="MailSettings.MaintenanceInterval"/>.
/// </summary>
internal sealed class MailMaintenance(IServiceProvider services, MailStores stores, HostManifest manifest, ILogger<MailMaintenance> logger) : BackgroundService
{
    private static readonly TimeSpan FirstRunDelay = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!stores.Serves(StoreRoles.Data) || !stores.Serves(StoreRoles.Blob))
        {
            return;
        }

        try
        {
            await Task.Delay(FirstRunDelay, stoppingToken).ConfigureAwait(false);
            var engine = (IMailEngine)services.GetService(typeof(IMailEngine))!;
            while (true)
            {
                await RunOnceAsync(engine, logger, stoppingToken).ConfigureAwait(false);
                await Task.Delay(manifest.Mail.MaintenanceInterval, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One pass; failures are logged and the next pass tries again.</summary>
    public static async Task<GarbageCollectionResult?> RunOnceAsync(IMailEngine engine, ILogger logger, CancellationToken cancellationToken)
    {
        try
        {
            var result = await engine.CollectGarbageAsync(cancellationToken).ConfigureAwait(false);
            logger.LogInformation(
                "Mail maintenance removed {Blobs} unreferenced blobs and {Changes} expired change-log entries, and indexed {Indexed} emails left unindexed",
                result.BlobsDeleted,
                result.ChangesPurged,
                result.EmailsIndexed);
            return result;
        }
        catch (Exception ex) when (ex is StoreUnavailableException or MailException)
        {
            logger.LogWarning(ex, "Mail maintenance could not finish; it runs again later");
            return null;
        }
    }
}
