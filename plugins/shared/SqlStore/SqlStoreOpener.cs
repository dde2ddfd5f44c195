using Mail.Host.Storage;

namespace Mail.Host.Plugins.SqlStore;

/// <summary>Connects, prepares the schema and builds the instance, for either dialect.</summary>
internal static class SqlStoreOpener
{
    /// <summary>
    /// Opens a store instance: connects (a server that cannot be reached fails the open with
    /// <see cref="StoreUnavailableException"/>), creates the tables in a new database or checks the layout
    /// version of an existing one, and reads the server's limits.
    /// </summary>
    /// <param name="dialect">The dialect, which the instance then owns.</param>
    /// <param name="nativeFullText">Whether the instance serves the full-text role with the server's own full-text search.</param>
    /// <param name="cancellationToken">Cancels opening.</param>
    /// <returns>The open instance.</returns>
    /// <exception cref="InvalidOperationException">The tables were written by a newer plugin, or are damaged.</exception>
    public static async ValueTask<IStoreInstance> OpenAsync(SqlDialect dialect, bool nativeFullText, CancellationToken cancellationToken)
    {
        var executor = new SqlExecutor(dialect);
        var (version, maxValueSize) = await executor.RunAsync(async (connection, _, ct) =>
        {
            var found = await dialect.PrepareSchemaAsync(connection, SchemaVersion.Current, ct).ConfigureAwait(false);
            return (found, await dialect.MaxValueSizeAsync(connection, ct).ConfigureAwait(false));
        }, cancellationToken).ConfigureAwait(false);

        if (version < 1)
        {
            throw new InvalidOperationException($"The {dialect.Name} database {dialect.Describe} has a damaged schema version table (expected one row holding a version of 1 or more); restore it from a backup or use another TablePrefix.");
        }

        if (version > SchemaVersion.Current)
        {
            throw new InvalidOperationException($"The {dialect.Name} database {dialect.Describe} has schema version {version}, written by a newer {dialect.Name} plugin; this one knows version {SchemaVersion.Current} at most. Install that newer plugin, or use another TablePrefix.");
        }

        if (maxValueSize < DataStoreLimits.MinimumMaxValueSize)
        {
            throw new InvalidOperationException($"The {dialect.Name} server {dialect.Describe} accepts statements too small for values of {DataStoreLimits.MinimumMaxValueSize} bytes; raise its max_allowed_packet to at least {4 * DataStoreLimits.MinimumMaxValueSize}.");
        }

        if (nativeFullText)
        {
            await executor.RunAsync(async (connection, _, ct) =>
            {
                await dialect.PrepareFullTextSchemaAsync(connection, ct).ConfigureAwait(false);
                return true;
            }, cancellationToken).ConfigureAwait(false);
        }

        return new SqlStoreInstance(new SqlDataStore(executor, maxValueSize), new SqlBlobStore(executor), nativeFullText ? new SqlFullTextStore(executor) : null, new SqlQueryStore(executor), dialect.DisposeAsync);
    }
}
