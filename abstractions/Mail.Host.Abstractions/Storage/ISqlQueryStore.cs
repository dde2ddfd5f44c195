namespace Mail.Host.Storage;

/// <summary>
/// Runs parameterized SQL against the database behind a SQL store instance, for plugins that keep or read their own
/// tables there (a SQL directory, for example). Parameter values are always bound by the database driver and never
/// spliced into the text, so values from users cannot change the statement. A backend that cannot be reached
/// throws <see cref="StoreUnavailableException"/>.
/// </summary>
public interface ISqlQueryStore
{
    /// <summary>The database dialect, in lower case: <c>postgresql</c>, <c>mysql</c> or <c>sqlite</c>.</summary>
    string Dialect { get; }

    /// <summary>
    /// Runs one statement and returns the rows it produced. Parameters are named in the text with an <c>@</c>
    /// prefix (<c>SELECT secret FROM users WHERE name = @name</c>) and given here without it.
    /// </summary>
    /// <param name="sql">The statement.</param>
    /// <param name="parameters">The values of its parameters, by name without the <c>@</c>; <see langword="null"/> binds SQL NULL.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>
    /// The rows, each a dictionary from column name (case-insensitive) to value: <see langword="null"/> for SQL NULL,
    /// otherwise the driver's type (<see cref="string"/>, <see cref="long"/>, <see cref="byte"/> arrays and so on).
    /// Empty for a statement that returns no rows.
    /// </returns>
    ValueTask<IReadOnlyList<IReadOnlyDictionary<string, object?>>> QueryAsync(string sql, IReadOnlyDictionary<string, object?> parameters, CancellationToken cancellationToken = default);

    /// <summary>Runs one statement that returns no rows (an insert, update or delete) and tells how many rows it changed.</summary>
    /// <param name="sql">The statement, with <c>@name</c> parameters as in <see cref="QueryAsync"/>.</param>
    /// <param name="parameters">The values of its parameters.</param>
    /// <param name="cancellationToken">Cancels the statement.</param>
    /// <returns>The number of rows affected.</returns>
    ValueTask<int> ExecuteAsync(string sql, IReadOnlyDictionary<string, object?> parameters, CancellationToken cancellationToken = default);
}
