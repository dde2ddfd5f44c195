using System.Text.Json;

namespace Mail.Host.IntegrationTests;

/// <summary>The deployment as ./build.sh lays it out, with its default manifest: RocksDB, filesystem blobs, the internal directory.</summary>
[Collection(DeploymentCollection.Name)]
public sealed class DefaultManifestTests(DeploymentFixture fixture) : IDisposable
{
    private readonly TestDeployment deployment = new(fixture);

    [Fact]
    public async Task Default_manifest_serves_every_role_from_rocksdb_and_files_and_keeps_its_data_across_restarts()
    {
        var listing = await deployment.RunAsync("plugins");
        Assert.True(listing.ExitCode == 0, listing.ToString());
        Assert.Contains(listing.Output.Split('\n'), l => l.StartsWith("rocksdb ", StringComparison.Ordinal) && l.Contains("loaded", StringComparison.Ordinal));
        Assert.Contains(listing.Output.Split('\n'), l => l.StartsWith("internal ", StringComparison.Ordinal) && l.Contains("loaded", StringComparison.Ordinal));

        string firstLog;
        using (var first = await deployment.StartServerAsync())
        {
            var health = JsonDocument.Parse(await first.Http.GetStringAsync("/health")).RootElement;
            Assert.Equal(["Data", "Blob", "FullText", "Lookup"], health.GetProperty("roles").EnumerateArray().Select(r => r.GetString()!));
            Assert.Equal(0, await first.TerminateAsync(TimeSpan.FromSeconds(30)));
            firstLog = first.Output;
        }

        Assert.True(System.IO.Directory.EnumerateFiles(Path.Combine(deployment.Folder, "data", "rocksdb")).Any(), firstLog);
        Assert.True(System.IO.Directory.Exists(Path.Combine(deployment.Folder, "data", "blobs")), firstLog);
        Assert.Contains("Created the admin account 'admin'", firstLog);

        using var second = await deployment.StartServerAsync();
        Assert.Equal(0, await second.TerminateAsync(TimeSpan.FromSeconds(30)));

        // The admin account written to RocksDB by the first start is still there, so it is not created again.
        Assert.DoesNotContain("Created the admin account", second.Output);
        Assert.Contains("mailhost stopped", second.Output);
    }

    public void Dispose() => deployment.Dispose();
}
