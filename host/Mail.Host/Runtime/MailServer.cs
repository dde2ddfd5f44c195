using System.Net;
using System.Net.Sockets;
using Mail.Host.Directory;
using Mail.Host.Engine.Delivery;
using Mail.Host.Engine.Mail;
using Mail.Host.Mail;
using Mail.Host.Manifest;
using Mail.Host.Outbound;
using Mail.Host.Plugins;
using Mail.Host.Startup;
using Mail.Host.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mail.Host.Runtime;

/// <summary>
/// <c>mailhost serve</c>: everything is checked and every store opened before the first listener binds, so a
/// server either starts whole or not at all.
/// </summary>
internal static class MailServer
{
    public static async Task RunAsync(HostManifest manifest, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = "mailhost",
            ContentRootPath = manifest.Directory,

            // The builder's default configuration files are dropped below, but reloading them would still watch the
            // whole manifest folder, data included, with one inotify watch per folder and an event per stored file.
            Args = ["--hostBuilder:reloadConfigOnChange=false"],
        });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddConfiguration(manifest.Configuration);
        builder.WebHost.UseUrls([.. manifest.HttpUrls]);
        if (manifest.HttpCertificate is { } certificate)
        {
            // The slim builder leaves HTTPS out unless asked; https:// URLs then present the manifest's certificate.
            builder.WebHost.UseKestrelHttpsConfiguration();
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureHttpsDefaults(https => https.ServerCertificate = certificate));
        }

        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = manifest.ShutdownTimeout);
        builder.Services.AddSingleton(manifest);
        builder.Services.AddSingleton<MailStores>();
        builder.Services.AddSingleton<IMailStores>(sp => sp.GetRequiredService<MailStores>());
        builder.Services.AddSingleton<MailDirectories>();
        builder.Services.AddSingleton<IMailDirectories>(sp => sp.GetRequiredService<MailDirectories>());
        builder.Services.AddSingleton<ProtocolListeners>();
        builder.Services.AddSingleton<IMailEngine>(CreateEngine);
        builder.Services.AddSingleton<IMailDelivery>(sp => new LocalDelivery(
            sp.GetRequiredService<IMailEngine>(),
            sp.GetRequiredService<IMailDirectories>().Authentication,
            sp.GetRequiredService<ILogger<LocalDelivery>>(),
            sp.GetServices<IDeliveryObserver>()));
        var (outbound, outboundProblems) = OutboundOptions.Read(manifest.Configuration.GetSection("Outbound"), path => Path.GetFullPath(path, manifest.Directory));
        if (outboundProblems.Count > 0)
        {
            throw new StartupException([.. outboundProblems.Select(p => new StartupProblem(p, manifest.FilePath, $"correct the Outbound section of {manifest.FilePath} (see the README's outbound delivery section)"))]);
        }

        builder.Services.AddSingleton(outbound);
        builder.Services.AddSingleton(sp => new MailQueue(sp.GetRequiredService<IMailStores>().Data));
        builder.Services.AddSingleton<IMailQueue>(sp => sp.GetRequiredService<MailQueue>());
        builder.Services.AddSingleton<IHostedService>(sp => !MailRolesServed(sp.GetRequiredService<MailStores>())
            ? new NothingToRun()
            : new OutboundDelivery(
            sp.GetRequiredService<MailQueue>(),
            outbound,
            sp.GetRequiredService<IMailStores>().Lookup,
            sp.GetRequiredService<IMailDelivery>(),
            sp.GetRequiredService<IMailDirectories>().Authentication,
            manifest.Hostname,
            sp.GetRequiredService<ILogger<OutboundDelivery>>()));
        builder.Services.AddHostedService<MailMaintenance>();
        builder.Services.AddHostedService<StoreFlushOnStop>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ProtocolListeners>());

        var (catalog, problems) = PluginBootstrap.Load(manifest, builder.Services);
        if (problems.Count > 0)
        {
            throw new StartupException(problems);
        }

        builder.Services.AddSingleton(catalog);
        await using var app = builder.Build();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Mail.Host");
        var (registry, settingsProblems) = PluginBootstrap.Verify(manifest, catalog, app.Services);
        if (settingsProblems.Count > 0)
        {
            throw new StartupException(settingsProblems);
        }

        System.IO.Directory.CreateDirectory(manifest.DataDirectory);
        await app.Services.GetRequiredService<MailStores>().OpenAsync(manifest, registry, app.Services, cancellationToken).ConfigureAwait(false);
        await app.Services.GetRequiredService<MailDirectories>().OpenAsync(manifest, registry, app.Services, cancellationToken).ConfigureAwait(false);

        var listeners = app.Services.GetRequiredService<ProtocolListeners>();
        foreach (var listener in manifest.Listeners.Values)
        {
            var (provider, plugin) = registry.Protocols[listener.Type];
            try
            {
                listeners.Add(listener.Name, provider.CreateListener(ProviderRegistry.ListenerContextFor(manifest, listener, app.Services)));
            }
            catch (Exception ex)
            {
                throw new StartupException(new StartupProblem(
                    $"the listener '{listener.Name}' (protocol '{listener.Type}') could not be created: {ex.GetType().Name}: {ex.Message}",
                    manifest.FilePath,
                    $"check Listeners:{listener.Name} in {manifest.FilePath}",
                    plugin.Id));
            }
        }

        MapHostRoutes(app, catalog);
        foreach (var plugin in catalog.Usable)
        {
            try
            {
                plugin.Entry!.MapRoutes(plugin.Context!, app);
            }
            catch (Exception ex)
            {
                throw new StartupException(new StartupProblem(
                    $"the plugin '{plugin.Id}' malfunctioned: it threw while adding its HTTP routes: {ex.GetType().Name}: {ex.Message}",
                    plugin.AssemblyPath,
                    $"reinstall or repair the plugin folder {plugin.Folder}, or set Plugins:{plugin.Id}:Enabled to false in {manifest.FilePath}",
                    plugin.Id));
            }
        }

        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException { InnerException: SocketException } or SocketException or IOException)
        {
            throw new StartupException(new StartupProblem(
                $"cannot listen: {ex.Message}",
                manifest.FilePath,
                $"free the address or change Http:Urls or the listeners' Bind addresses in {manifest.FilePath}"));
        }

        logger.LogInformation(
            "mailhost started with manifest {Manifest}: plugins {Plugins}; HTTP on {Urls}",
            manifest.FilePath,
            string.Join(", ", catalog.Usable.Select(p => $"{p.Id} {p.Descriptor!.Version}")),
            string.Join(", ", manifest.HttpUrls));
        await app.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
        logger.LogInformation("mailhost stopped");
    }

    /// <summary>
    /// The engine over the stores serving the data and blob roles. The lookup store carries change notifications
    /// between processes only when its plugin serves the role itself; the adapter over a data store would turn every
    /// commit into a second write, and polling the watched accounts costs less.
    /// </summary>
    private static MailEngine CreateEngine(IServiceProvider services)
    {
        var stores = services.GetRequiredService<MailStores>();
        var settings = services.GetRequiredService<HostManifest>().Mail;
        var options = new MailEngineOptions
        {
            HierarchySeparator = settings.HierarchySeparator,
            ChangeRetention = settings.ChangeRetention,
            PendingReferenceTimeout = settings.PendingReferenceTimeout,
            NotificationPollInterval = settings.NotificationPollInterval,
            QueryViewEmails = settings.QueryViewEmails,
            InlineMessageBytes = settings.InlineMessageBytes,
            PerUserSeenInSharedMailboxes = settings.PerUserSeenInSharedMailboxes,
            GroupMembershipCacheTime = settings.GroupMembershipCacheTime,
        };
        var lookup = stores.Serves(StoreRoles.Lookup) && stores.IsNative(StoreRoles.Lookup) ? stores.Lookup : null;
        var fullText = stores.Serves(StoreRoles.FullText) ? stores.FullText : null;
        var directories = services.GetRequiredService<IMailDirectories>();
        return new MailEngine(
            stores.Data,
            stores.Blob,
            options,
            lookup: lookup,
            logger: services.GetRequiredService<ILoggerFactory>().CreateLogger("Mail.Host.Engine"),
            fullText: fullText)
        {
            // Group entries of access control lists follow the authentication directory's membership.
            MemberOf = (name, cancellationToken) => MemberOfAsync(directories, name, cancellationToken),
        };
    }

    /// <summary>The groups a principal of the authentication directory belongs to; none without such a directory.</summary>
    private static async ValueTask<IReadOnlyList<string>> MemberOfAsync(IMailDirectories directories, string name, CancellationToken cancellationToken)
    {
        IDirectory directory;
        try
        {
            directory = directories.Authentication;
        }
        catch (InvalidOperationException)
        {
            return [];
        }

        return (await directory.FindPrincipalAsync(name, cancellationToken).ConfigureAwait(false))?.MemberOf ?? [];
    }

    /// <summary>
    /// Whether the stores serve what mail needs (data, blobs, lookup). A manifest for plugin work alone may leave a role
    /// out; the services built on mail then stay idle rather than stopping the host.
    /// </summary>
    private static bool MailRolesServed(MailStores stores)
        => stores.Serves(StoreRoles.Data) && stores.Serves(StoreRoles.Blob) && stores.Serves(StoreRoles.Lookup);

    private static void MapHostRoutes(WebApplication app, PluginCatalog catalog)
    {
        MailAdminApi.Map(app);
        QueueAdminApi.Map(app);
        app.MapGet("/health", (IMailStores stores) => Results.Json(new HealthReport(
            "ok",
            [.. catalog.Plugins.Select(p => new PluginReport(p.Id, p.Descriptor?.Version, p.Status.ToString().ToLowerInvariant()))],
            [.. Enum.GetValues<StoreRoles>().Where(r => r != StoreRoles.None && stores.Serves(r)).Select(r => r.ToString())])));
    }

    internal sealed record HealthReport(string Status, IReadOnlyList<PluginReport> Plugins, IReadOnlyList<string> Roles);

    internal sealed record PluginReport(string Id, string? Version, string Status);
}
