using Mail.Host.Conformance;
using Mail.Host.Storage;
using Mail.Host.Tests.Services;
using Xunit;

namespace Mail.Host.Plugins.Tests;

/// <summary>
/// The full-text conformance kit against the <c>postgresql</c> store in its native mode (<c>FullText: native</c>:
/// tsvector values under a GIN index), each test in a new schema.
/// </summary>
[RequiresEnvironment(PostgreSqlTestDatabase.Variable, "PostgreSQL server")]
public sealed class PostgreSqlNativeFullTextTests : FullTextStoreConformance
{
    private readonly PostgreSqlTestDatabase database = new();

    /// <inheritdoc />
    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await database.DisposeAsync();
    }

    /// <summary>The native mode keeps its words in its own tables under a GIN index, not in the data role's key-value table.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task Native_mode_indexes_into_tsvector_rows_under_a_gin_index()
    {
        await Store.IndexAsync(new FullTextDocument(Account, 7, [new(FullTextFieldNames.Subject, "Quarterly budget")]));

        Assert.Equal(1L, await database.ScalarAsync($"SELECT count(*) FROM \"{database.Schema}\".\"mailhost_ft_value\" WHERE t @@ 'budget'::tsquery"));
        Assert.Equal("gin", await database.ScalarAsync($"SELECT am.amname::text FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace s ON s.oid = t.relnamespace WHERE s.nspname = '{database.Schema}' AND t.relname = 'mailhost_ft_value' AND am.amname = 'gin'"));
        Assert.Equal(0L, await database.ScalarAsync($"SELECT count(*) FROM \"{database.Schema}\".\"mailhost_kv\""));
    }

    /// <inheritdoc />
    protected override ValueTask<IStoreInstance> OpenStoreAsync() => database.OpenAsync(("FullText", "native"));
}
