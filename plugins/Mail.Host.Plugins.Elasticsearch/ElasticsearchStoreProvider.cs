using Elastic.Clients.Elasticsearch;
using Elastic.Transport;
using Mail.Host.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mail.Host.Plugins.Elasticsearch;

/// <summary>
/// The <c>elasticsearch</c> store type: the full-text role on an Elasticsearch cluster (8.x or 9.x), with an index
/// template of this plugin's analyzers and mapping, bulk indexing and per-account routing.
/// </summary>
public sealed class ElasticsearchStoreProvider : IStoreProvider
{
    /// <inheritdoc />
    public string Type => "elasticsearch";

    /// <inheritdoc />
    public StoreRoles Roles => StoreRoles.FullText;

    /// <inheritdoc />
    public IEnumerable<string> Validate(StoreContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var problems = new List<string>();
        ElasticsearchSettings.Read(context.Settings, $"Stores:{context.Name}", problems, context.ResolvePath);
        return problems;
    }

    /// <inheritdoc />
    public async ValueTask<IStoreInstance> OpenAsync(StoreContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var problems = new List<string>();
        var settings = ElasticsearchSettings.Read(context.Settings, $"Stores:{context.Name}", problems, context.ResolvePath);
        if (problems.Count > 0)
        {
            throw new InvalidOperationException(string.Join(" ", problems));
        }

        var logger = context.Services.GetService<ILoggerFactory>()?.CreateLogger<ElasticsearchFullTextStore>() ?? (ILogger)NullLogger.Instance;
        var store = new ElasticsearchFullTextStore(CreateClient(settings), settings, logger);
        try
        {
            await store.EnsureIndexAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return new ElasticsearchStoreInstance(store);
    }

    /// <summary>The client for the settings' nodes and credentials.</summary>
    internal static ElasticsearchClient CreateClient(ElasticsearchSettings settings, IRequestInvoker? invoker = null)
    {
        NodePool pool = settings.Urls.Count == 1 ? new SingleNodePool(settings.Urls[0]) : new StaticNodePool(settings.Urls);
        var clientSettings = invoker is null ? new ElasticsearchClientSettings(pool) : new ElasticsearchClientSettings(pool, invoker);
        clientSettings = clientSettings
            .RequestTimeout(settings.Timeout)
            .DefaultIndex(settings.Index)

            // The store retries with its own backoff and tells temporary failures from refusals itself.
            .MaximumRetries(0)
            .ThrowExceptions(false);
        if (settings.ApiKey is { } apiKey)
        {
            clientSettings = clientSettings.Authentication(new ApiKey(apiKey));
        }
        else if (settings.Username is { Length: > 0 } user)
        {
            clientSettings = clientSettings.Authentication(new BasicAuthentication(user, settings.Password ?? string.Empty));
        }

        if (settings.CertificateFingerprint is { Length: > 0 } fingerprint)
        {
            clientSettings = clientSettings.CertificateFingerprint(fingerprint);
        }

        return new ElasticsearchClient(clientSettings);
    }
}
