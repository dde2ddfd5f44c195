using Mail.Host.Directory;
using Mail.Host.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Mail.Host.Plugins.SqlDirectory;

/// <summary>
/// Opens <c>sql</c> directories: principals read from existing tables by queries written in the manifest and run,
/// always with bound parameters, on the database of a SQL store (<c>sqlite</c>, <c>postgresql</c> or <c>mysql</c>)
/// named by <c>Store</c>. The README's "SQL directory" section lists the queries, their parameters and the columns
/// they return.
/// </summary>
public sealed class SqlDirectoryProvider : IDirectoryProvider
{
    /// <summary>The directory type.</summary>
    public const string DirectoryType = "sql";

    /// <inheritdoc />
    public string Type => DirectoryType;

    /// <inheritdoc />
    public IEnumerable<string> Validate(DirectoryContext context) => SqlDirectorySettings.Read(context).Problems;

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">The settings have problems, or the store is missing or speaks no SQL.</exception>
    public ValueTask<IDirectory> OpenAsync(DirectoryContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        cancellationToken.ThrowIfCancellationRequested();
        var settings = SqlDirectorySettings.Read(context);
        if (settings.Problems.Count > 0)
        {
            throw new InvalidOperationException($"The sql directory '{context.Name}' cannot open: {string.Join(" ", settings.Problems)}");
        }

        var stores = context.Services.GetService<IMailStores>()
            ?? throw new InvalidOperationException($"The sql directory '{context.Name}' cannot open: the host offers no stores.");
        var instance = stores.FindStore(settings.Store)
            ?? throw new InvalidOperationException($"Directories:{context.Name}:Store names the store '{settings.Store}', which is not in the Stores section; add it there (type sqlite, postgresql or mysql).");
        var sql = instance.Sql
            ?? throw new InvalidOperationException($"Directories:{context.Name}:Store names the store '{settings.Store}', which offers no SQL; name a store of type sqlite, postgresql or mysql.");
        return ValueTask.FromResult<IDirectory>(settings.OfferScramSha256
            ? new SqlDirectoryWithScram(context.Name, sql, settings)
            : new SqlDirectory(context.Name, sql, settings));
    }
}
