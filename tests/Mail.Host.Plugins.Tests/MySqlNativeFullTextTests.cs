using Mail.Host.Conformance;
using Mail.Host.Storage;
using Mail.Host.Tests.Services;
using Xunit;

namespace Mail.Host.Plugins.Tests;

/// <summary>
/// The full-text conformance kit against the <c>mysql</c> store on MariaDB in its native mode (<c>FullText:
/// native</c>: an InnoDB FULLTEXT index), each test with a new table prefix.
/// </summary>
[RequiresEnvironment(MySqlTestDatabase.Variable, "MariaDB server")]
public sealed class MySqlNativeFullTextTests : FullTextStoreConformance
{
    private readonly MySqlTestDatabase database = new();

    /// <inheritdoc />
    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await database.DisposeAsync();
    }

    /// <summary>
    /// The native mode keeps its words in its own table under a FULLTEXT index, which the server answers from: a
    /// MATCH on the stored row finds the word, and the data role's key-value table stays empty.
    /// </summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task Native_mode_indexes_into_a_fulltext_index()
    {
        await Store.IndexAsync(new FullTextDocument(Account, 7, [new(FullTextFieldNames.Subject, "Quarterly budget")]));

        // "budget" as the store writes it: x and the hex of its UTF-8 bytes.
        Assert.Equal(1L, Convert.ToInt64(await database.ScalarAsync($"SELECT count(*) FROM `{database.Prefix}ft_value` WHERE MATCH(t) AGAINST('+x627564676574' IN BOOLEAN MODE)")));
        Assert.Equal("FULLTEXT", await database.ScalarAsync($"SELECT index_type FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = '{database.Prefix}ft_value' AND index_name = 'ft_value_t'"));
        Assert.Equal(0L, Convert.ToInt64(await database.ScalarAsync($"SELECT count(*) FROM `{database.Prefix}kv`")));
    }

    /// <inheritdoc />
    protected override ValueTask<IStoreInstance> OpenStoreAsync() => database.OpenAsync(("FullText", "native"));
}
