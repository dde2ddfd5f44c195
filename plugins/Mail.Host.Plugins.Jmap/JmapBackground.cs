using Mail.Host.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mail.Host.Plugins.Jmap;

/// <summary>
/// The plugin's background work for the server's lifetime: resumes the pushes to verified PushSubscription URLs and
/// sends the vacation auto-replies that deliveries noted.
/// </summary>
internal sealed class JmapBackground(JmapServer server, VacationResponder vacation) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var logger = server.LoggerFactory.CreateLogger("Mail.Host.Plugins.Jmap");
        if (!server.Stores.Serves(StoreRoles.Data) || !server.Stores.Serves(StoreRoles.Lookup))
        {
            // A manifest that serves no mail (maintenance, a plugin-only set) has nothing to push or answer.
            return;
        }

        try
        {
            await server.PushDelivery.StartAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return;
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "JMAP push subscriptions could not be loaded; pushes resume when a client changes its subscriptions");
        }

        await vacation.RunAsync(stoppingToken).ConfigureAwait(false);
    }
}
