using System.Data.Common;
using Mail.Host.Storage;

namespace Mail.Host.Plugins.SqlStore;

/// <summary>
/// Runs units of work on pooled connections and decides what a failure means. A conflict (the server rolled the
/// transaction back) is retried with a growing random pause. A lost or refused connection empties the pool and is
/// retried only while nothing could have been applied (the unit has not reached its commit); otherwise, and once
/// the retries are spent, the caller gets <see cref="StoreUnavailableException"/>.
/// </summary>
/// <param name="dialect">The server's dialect.</param>
internal sealed class SqlExecutor(SqlDialect dialect)
{
    /// <summary>How many times a unit rolled back by a conflict is tried in all.</summary>
    public const int MaxConflictAttempts = 60;

    /// <summary>How many times a unit whose connection failed before its commit is tried in all.</summary>
    public const int MaxConnectionAttempts = 3;

    /// <summary>The dialect.</summary>
    public SqlDialect Dialect => dialect;

    /// <summary>Runs a unit of work, retrying as described on the class.</summary>
    /// <typeparam name="T">The unit's result.</typeparam>
    /// <param name="work">
    /// The unit: given an open connection and a <see cref="UnitProgress"/> whose <see cref="UnitProgress.Committing"/>
    /// it sets just before the statement that applies its writes.
    /// </param>
    /// <param name="cancellationToken">Cancels the unit.</param>
    /// <returns>The unit's result.</returns>
    public async ValueTask<T> RunAsync<T>(Func<DbConnection, UnitProgress, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        var conflicts = 0;
        var connectionFailures = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var progress = new UnitProgress();
            try
            {
                await using var connection = await dialect.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                return await work(connection, progress, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException && dialect.IsConflict(ex))
            {
                if (++conflicts >= MaxConflictAttempts)
                {
                    throw new StoreUnavailableException($"The {dialect.Name} database {dialect.Describe} kept rolling the operation back for conflicts with others ({conflicts} attempts): {ex.Message}", ex);
                }

                await Task.Delay(Backoff(conflicts), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException && dialect.IsConnectionFailure(ex))
            {
                dialect.ClearPool();
                if (progress.Committing || ++connectionFailures >= MaxConnectionAttempts)
                {
                    var outcome = progress.Committing ? " while committing; the write may or may not have been applied" : string.Empty;
                    throw new StoreUnavailableException($"The {dialect.Name} database {dialect.Describe} is unavailable{outcome}: {ex.Message}", ex);
                }

                await Task.Delay(TimeSpan.FromMilliseconds(20 * connectionFailures), cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // A timeout inside the driver, not the caller's cancellation.
                dialect.ClearPool();
                throw new StoreUnavailableException($"The {dialect.Name} database {dialect.Describe} did not answer in time.");
            }
        }
    }

    private static TimeSpan Backoff(int attempt)
    {
        var ceiling = Math.Min(50, 1 << Math.Min(attempt, 6));
        return TimeSpan.FromMilliseconds(Random.Shared.Next(1, ceiling + 1));
    }
}
