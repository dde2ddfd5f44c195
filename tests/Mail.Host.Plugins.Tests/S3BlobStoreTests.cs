using Mail.Host.Tests.Services;
using Mail.Host.Conformance;
using Mail.Host.Plugins.S3;
using Mail.Host.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Mail.Host.Plugins.Tests;

/// <summary>
/// The blob kit against the S3 server the suite starts (s3rver), each test in its own bucket. s3rver accepts any
/// credentials, so authentication is not checked here; see <see cref="S3StoreBehaviourTests"/> for what else it
/// cannot show.
/// </summary>
[RequiresEnvironment("MAILHOST_TEST_S3", "S3 server (s3rver)")]
public sealed class S3BlobStoreTests : BlobStoreConformance
{
    /// <inheritdoc />
    protected override ValueTask<IStoreInstance> OpenStoreAsync() => OpenAsync(TestServices.Require("MAILHOST_TEST_S3"), $"kit-{Guid.NewGuid():N}"[..30]);

    internal static ValueTask<IStoreInstance> OpenAsync(string endpoint, string bucket, Dictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Type"] = "s3",
            ["Endpoint"] = endpoint,
            ["Bucket"] = bucket,
            ["KeyPrefix"] = "blobs",
            ["AccessKey"] = "S3RVER",
            ["SecretKey"] = "S3RVER",
            ["Region"] = "us-east-1",
        };
        foreach (var (key, value) in extra ?? [])
        {
            settings[key] = value;
        }

        return new S3StoreProvider().OpenAsync(
            new StoreContext
            {
                Name = "s3",
                Settings = new ConfigurationBuilder().AddInMemoryCollection(settings).Build(),
                BaseDirectory = AppContext.BaseDirectory,
                Services = new ServiceCollection().BuildServiceProvider(),
            },
            CancellationToken.None);
    }
}
