using Mail.Host.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace Mail.Host.Plugins.Redis;

/// <summary>
/// The <c>redis</c> store type: the lookup role (values and counters with expiry, leased locks, publish/subscribe
/// between host processes) on a Redis server.
/// </summary>
public sealed class RedisStoreProvider : IStoreProvider
{
    /// <inheritdoc />
    public string Type => "redis";

    /// <inheritdoc />
    public StoreRoles Roles => StoreRoles.Lookup;

    /// <inheritdoc />
    public IEnumerable<string> Validate(StoreContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var problems = new List<string>();
        RedisSettings.Read(context.Settings, $"Stores:{context.Name}", problems, context.ResolvePath);
        return problems;
    }

    /// <inheritdoc />
    public async ValueTask<IStoreInstance> OpenAsync(StoreContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var problems = new List<string>();
        var settings = RedisSettings.Read(context.Settings, $"Stores:{context.Name}", problems, context.ResolvePath);
        if (problems.Count > 0)
        {
            throw new InvalidOperationException(string.Join(" ", problems));
        }

        var options = new ConfigurationOptions
        {
            Password = settings.Password,
            DefaultDatabase = settings.Database,
            Ssl = settings.Ssl,
            ConnectTimeout = settings.ConnectTimeoutMilliseconds,
            SyncTimeout = settings.ConnectTimeoutMilliseconds,
            AsyncTimeout = settings.ConnectTimeoutMilliseconds,

            // Keep reconnecting in the background when the server goes away; calls fail meanwhile and succeed again
            // once it is back.
            AbortOnConnectFail = false,
            ClientName = "mailhost",
        };
        foreach (var endpoint in settings.Endpoints)
        {
            options.EndPoints.Add(endpoint);
        }

        var connection = await ConnectionMultiplexer.ConnectAsync(options).WaitAsync(cancellationToken).ConfigureAwait(false);
        if (!connection.IsConnected)
        {
            var status = connection.GetStatus();
            await connection.DisposeAsync().ConfigureAwait(false);
            throw new StoreUnavailableException($"Redis at {string.Join(", ", settings.Endpoints)} did not answer: {status}");
        }

        var logger = context.Services.GetService<ILoggerFactory>()?.CreateLogger<RedisLookupStore>() ?? (ILogger)NullLogger.Instance;
        return new RedisStoreInstance(new RedisLookupStore(connection, settings.KeyPrefix, logger));
    }
}
