using Mail.Host.Storage;

namespace Mail.Host.Plugins.Tests;

/// <summary>The <c>sql</c> directory kit on a <c>sqlite</c> store (its parameterized SQL on the store's database file).</summary>
public sealed class SqliteSqlDirectoryTests : SqlDirectoryTestBase
{
    private readonly SqliteTestFolder folder = new();

    /// <inheritdoc />
    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        folder.Dispose();
    }

    /// <inheritdoc />
    protected override ValueTask<IStoreInstance> OpenStoreAsync() => folder.OpenAsync();

    /// <inheritdoc />
    protected override string TableName(string table) => "dir_" + table;
}
