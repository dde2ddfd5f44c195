using Mail.Host.Storage;
using Microsoft.Data.Sqlite;

namespace Mail.Host.Plugins.Sqlite;

/// <summary>Sorts SQLite failures into those worth retrying and those that are not.</summary>
internal static class SqliteErrors
{
    // Primary result codes (the low byte of an extended code).
    private const int Busy = 5;
    private const int Locked = 6;
    private const int NoMemory = 7;
    private const int IoError = 10;
    private const int Full = 13;
    private const int CannotOpen = 14;
    private const int Protocol = 15;

    /// <summary>
    /// Whether the failure comes from the machine rather than the request: another process holding the lock,
    /// a failing disk, a full disk. The same request may succeed later.
    /// </summary>
    public static bool IsTransient(SqliteException exception)
        => (exception.SqliteErrorCode & 0xFF) is Busy or Locked or NoMemory or IoError or Full or CannotOpen or Protocol;

    /// <summary>
    /// The exception a caller sees: <see cref="StoreUnavailableException"/> for a transient failure, so protocols
    /// answer with a temporary error; the SQLite exception itself otherwise.
    /// </summary>
    public static Exception Translate(SqliteException exception, string path)
        => IsTransient(exception)
            ? new StoreUnavailableException($"The SQLite database '{path}' is unavailable: {exception.Message}", exception)
            : exception;
}
