using Mail.Host.Tests.Services;

namespace Mail.Host.Engine.Tests;

/// <summary>The engine suite over the PostgreSQL store, full text in tsvector under GIN.</summary>
[RequiresEnvironment(PostgreSqlTestDatabase.Variable, "PostgreSQL server")]
public sealed class PostgreSqlNativeFullTextMailEngineTests() : SqlNativeFullTextMailEngineTests(new PostgreSqlTestDatabase());
