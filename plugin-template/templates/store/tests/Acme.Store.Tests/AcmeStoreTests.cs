using System.Text;
using Mail.Host.Storage;
using Xunit;

namespace Acme.Store.Tests;

/// <summary>What the kit does not cover: durability across a reopen, and the store's settings.</summary>
public sealed class AcmeStoreTests : IDisposable
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), "acme-store-tests-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Committed_data_is_there_after_the_store_is_opened_again()
    {
        var path = Path.Combine(folder, "store.journal");
        await using (var instance = await StoreFactory.OpenAsync(path))
        {
            var store = instance.Data!;
            await store.CommitAsync(new WriteBatch().Set("mail", "a"u8, "first"u8).Set("mail", "b"u8, "second"u8));
            await store.CommitAsync(new WriteBatch().Delete("mail", "a"u8).Increment("counts", "n"u8, 41));
            await store.IncrementAsync("counts", "n"u8.ToArray(), 1);
        }

        // A crash in the middle of a write leaves a partial record at the end; it was never acknowledged.
        await File.AppendAllTextAsync(path, "\u0040\0\0\0partial");

        await using (var instance = await StoreFactory.OpenAsync(path))
        {
            var store = instance.Data!;
            Assert.Null(await store.GetAsync("mail", "a"u8.ToArray()));
            Assert.Equal("second", Encoding.UTF8.GetString((await store.GetAsync("mail", "b"u8.ToArray()))!));
            Assert.Equal(43, await store.IncrementAsync("counts", "n"u8.ToArray(), 1));
        }
    }

    [Fact]
    public void Validate_reports_an_unknown_setting()
    {
        var context = StoreFactory.Context("x.journal");
        var settings = (Microsoft.Extensions.Configuration.IConfigurationRoot)context.Settings;
        settings["Pth"] = "typo";

        var problems = new AcmeStoreProvider().Validate(context).ToList();

        Assert.Equal(["Stores:main:Pth is not a setting of an acme-store store; the settings are Type, Path."], problems);
    }

    [Fact]
    public void Validate_accepts_a_store_without_a_path()
    {
        Assert.Empty(new AcmeStoreProvider().Validate(StoreFactory.Context(null)));
    }
}
