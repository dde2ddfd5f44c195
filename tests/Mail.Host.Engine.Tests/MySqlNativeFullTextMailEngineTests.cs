using Mail.Host.Tests.Services;

namespace Mail.Host.Engine.Tests;

/// <summary>The engine suite over the MySQL store on MariaDB, full text in an InnoDB FULLTEXT index.</summary>
[RequiresEnvironment(MySqlTestDatabase.Variable, "MariaDB server")]
public sealed class MySqlNativeFullTextMailEngineTests() : SqlNativeFullTextMailEngineTests(new MySqlTestDatabase());
