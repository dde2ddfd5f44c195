using Mail.Host.Tests.Services;
using Mail.Host.Conformance;
using Mail.Host.Plugins.Redis;
using Mail.Host.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Mail.Host.Plugins.Tests;

/// <summary>The lookup kit against a real Redis server, each test under its own key prefix.</summary>
[RequiresEnvironment("MAILHOST_TEST_REDIS", "Redis server")]
public sealed class RedisLookupStoreTests : LookupStoreConformance
{
    /// <inheritdoc />
    protected override ValueTask<IStoreInstance> OpenStoreAsync() => OpenAsync(TestServices.Require("MAILHOST_TEST_REDIS"), $"test-{Guid.NewGuid():N}:");

    internal static ValueTask<IStoreInstance> OpenAsync(string endpoint, string prefix, int connectTimeoutMilliseconds = 5000)
        => new RedisStoreProvider().OpenAsync(
            new StoreContext
            {
                Name = "redis",
                Settings = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
                {
                    ["Type"] = "redis",
                    ["Endpoints:0"] = endpoint,
                    ["KeyPrefix"] = prefix,
                    ["ConnectTimeoutMilliseconds"] = connectTimeoutMilliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
                }).Build(),
                BaseDirectory = AppContext.BaseDirectory,
                Services = new ServiceCollection().BuildServiceProvider(),
            },
            CancellationToken.None);
}
