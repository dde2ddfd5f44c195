using Mail.Host.Plugins.Sqlite;
using Microsoft.Data.Sqlite;

namespace Mail.Host.Plugins.Tests;

/// <summary>A scratch folder with contexts for a <c>sqlite</c> store named <c>main</c> at <c>data/mail.sqlite</c>.</summary>
internal sealed class SqliteTestFolder() : StoreTestFolder(new SqliteStoreProvider(), "data/mail.sqlite")
{
    /// <summary>A connection of the test's own to the database, outside the store.</summary>
    /// <returns>The open connection.</returns>
    public SqliteConnection Connect()
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DatabasePath, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }
}
