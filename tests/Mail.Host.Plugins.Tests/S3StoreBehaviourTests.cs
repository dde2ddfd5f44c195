using Mail.Host.Tests.Services;
using System.Net;
using System.Net.Sockets;
using Mail.Host.Plugins.S3;
using Mail.Host.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Xunit;
using Xunit.Abstractions;

namespace Mail.Host.Plugins.Tests;

/// <summary>What the s3 store does beyond the kit: settings, secrets from files, an unreachable service.</summary>
[RequiresEnvironment("MAILHOST_TEST_S3", "S3 server (s3rver)")]
public sealed class S3StoreBehaviourTests(ITestOutputHelper output)
{
    [Fact]
    public void Settings_problems_name_the_key_and_the_fix()
    {
        var problems = new S3StoreProvider().Validate(Context(new() { ["Type"] = "s3", ["Endpoint"] = "ftp://x", ["Bucket"] = "No_Such", ["SecretKeyEnvironmentVariable"] = "MAILHOST_TEST_UNSET_SECRET" })).ToList();

        Assert.Contains(problems, p => p.Contains("Stores:blobs:Endpoint 'ftp://x' is not an http:// or https:// URL", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("Stores:blobs:Bucket 'No_Such' is not a valid bucket name", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("MAILHOST_TEST_UNSET_SECRET, which is not set", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_secret_key_can_come_from_a_file()
    {
        var endpoint = TestServices.Require("MAILHOST_TEST_S3");
        var file = Path.GetTempFileName();
        await File.WriteAllTextAsync(file, "from-a-file\n");
        try
        {
            await using var store = await S3BlobStoreTests.OpenAsync(endpoint, $"secret-{Guid.NewGuid():N}"[..30], new() { ["SecretKey"] = null, ["SecretKeyFile"] = file });
            var content = "secret"u8.ToArray();
            await store.Blob!.PutAsync(BlobHash.Compute(content), new MemoryStream(content));

            Assert.True(await store.Blob.ExistsAsync(BlobHash.Compute(content)));
            output.WriteLine("s3rver accepts any credentials: this shows the secret is read from the file and the store works, not that a wrong secret is refused.");
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>A service that does not answer gives <see cref="StoreUnavailableException"/> after the retries, naming it.</summary>
    [Fact]
    public async Task An_unreachable_service_is_a_store_unavailable_error_after_retries()
    {
        var port = ClosedPort();

        var error = await Assert.ThrowsAsync<StoreUnavailableException>(async () => await S3BlobStoreTests.OpenAsync($"http://127.0.0.1:{port}", "unreachable", new() { ["MaxAttempts"] = "2", ["TimeoutSeconds"] = "2" }));

        Assert.Contains($"127.0.0.1:{port}", error.Message, StringComparison.Ordinal);
        Assert.Contains("after 2 attempts", error.Message, StringComparison.Ordinal);
    }

    private static int ClosedPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    private static StoreContext Context(Dictionary<string, string?> settings) => new()
    {
        Name = "blobs",
        Settings = new ConfigurationBuilder().AddInMemoryCollection(settings).Build(),
        BaseDirectory = AppContext.BaseDirectory,
        Services = new ServiceCollection().BuildServiceProvider(),
    };
}
