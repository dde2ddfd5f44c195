using System.Data.Common;
using System.Globalization;
using System.Text;
using Mail.Host.Engine.Storage;
using Mail.Host.Storage;

namespace Mail.Host.Plugins.SqlStore;

/// <summary>
/// The full-text role on the server's own full-text search (the <c>native</c> mode). Text is broken into words and
/// folded (case, diacritics) by the same rules as the engine's index, so both modes find the same documents; the
/// server then indexes and matches those folded words: no server-side dictionary, stemming or stop words.
/// </summary>
/// <remarks>
/// <para>
/// Every field value is a row of its own (a phrase never runs from one value into the next); a document with no
/// words still has its row in the document table, which is what negation and an empty conjunction range over.
/// Indexing a document replaces its rows in one transaction, after locking its document row, so two indexers of
/// one document take turns.
/// </para>
/// <para>
/// A value longer than <see cref="ChunkWords"/> words is stored as several rows that overlap by
/// <see cref="ChunkOverlap"/> words (PostgreSQL keeps word positions only up to 16,383): a phrase of more words than
/// the overlap that straddles two rows is not found. Mail text almost never has one.
/// </para>
/// <para>
/// Account and document ids are unsigned; they are stored as signed 64-bit integers with the top bit flipped, which
/// keeps their order, so results come back ascending straight from the server.
/// </para>
/// </remarks>
/// <param name="executor">Runs the statements.</param>
internal sealed class SqlFullTextStore(SqlExecutor executor) : IFullTextStore
{
    /// <summary>The most words in one stored row.</summary>
    public const int ChunkWords = 16_000;

    /// <summary>How many words consecutive rows of one long value share.</summary>
    public const int ChunkOverlap = 32;

    private const ulong SignFlip = 0x8000_0000_0000_0000UL;

    private SqlDialect Dialect => executor.Dialect;

    /// <inheritdoc />
    public async ValueTask IndexAsync(FullTextDocument document, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(document);
        cancellationToken.ThrowIfCancellationRequested();
        var rows = new List<(string Field, string Terms)>();
        foreach (var field in document.Fields)
        {
            var words = TextTokenizer.Tokenize(field.Text).Select(t => t.Term).ToList();
            foreach (var chunk in Chunks(words))
            {
                rows.Add((field.Name, Dialect.EncodeFullTextTerms(chunk)));
            }
        }

        var account = Stored(document.AccountId);
        var id = Stored(document.DocumentId);
        await executor.RunAsync(async (connection, progress, ct) =>
        {
            await using var transaction = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
            await SqlCommands.ExecuteAsync(connection, transaction, Dialect.UpsertFullTextDocumentSql, ct, ("a", account), ("d", id)).ConfigureAwait(false);
            await SqlCommands.ExecuteAsync(connection, transaction, $"DELETE FROM {Dialect.FullTextValueTable} WHERE a = @a AND d = @d", ct, ("a", account), ("d", id)).ConfigureAwait(false);
            for (var n = 0; n < rows.Count; n++)
            {
                await SqlCommands.ExecuteAsync(
                    connection,
                    transaction,
                    $"INSERT INTO {Dialect.FullTextValueTable} (a, d, n, f, t) VALUES (@a, @d, @n, @f, {Dialect.FullTextTermsParameter("t")})",
                    ct,
                    ("a", account),
                    ("d", id),
                    ("n", n),
                    ("f", rows[n].Field),
                    ("t", rows[n].Terms)).ConfigureAwait(false);
            }

            progress.Committing = true;
            await transaction.CommitAsync(ct).ConfigureAwait(false);
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<ulong>> QueryAsync(ulong accountId, FullTextFilter filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        cancellationToken.ThrowIfCancellationRequested();
        var parameters = new List<(string Name, object Value)> { ("a", Stored(accountId)) };
        var condition = Translate(filter, parameters);
        var sql = $"SELECT d FROM {Dialect.FullTextDocumentTable} WHERE a = @a AND {condition} ORDER BY d";
        return await executor.RunAsync<IReadOnlyList<ulong>>(async (connection, _, ct) =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            foreach (var (name, value) in parameters)
            {
                SqlParameters.Add(command, name, value);
            }

            var ids = new List<ulong>();
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                ids.Add(unchecked((ulong)reader.GetInt64(0)) ^ SignFlip);
            }

            return ids;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask RemoveAsync(ulong accountId, ulong documentId, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        await DeleteAsync("a = @a AND d = @d", cancellationToken, ("a", Stored(accountId)), ("d", Stored(documentId))).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask RemoveAccountAsync(ulong accountId, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        await DeleteAsync("a = @a", cancellationToken, ("a", Stored(accountId))).ConfigureAwait(false);
    }

    /// <summary>Splits a value's words into the rows stored for it.</summary>
    /// <param name="words">The folded words, in order.</param>
    /// <returns>The rows' words; one empty row for a value without words is not needed and none is returned.</returns>
    internal static IEnumerable<IReadOnlyList<string>> Chunks(List<string> words)
    {
        if (words.Count <= ChunkWords)
        {
            if (words.Count > 0)
            {
                yield return words;
            }

            yield break;
        }

        for (var start = 0; ; start += ChunkWords - ChunkOverlap)
        {
            var count = Math.Min(ChunkWords, words.Count - start);
            yield return words.GetRange(start, count);
            if (start + count >= words.Count)
            {
                yield break;
            }
        }
    }

    private static long Stored(ulong id) => unchecked((long)(id ^ SignFlip));

    private string Translate(FullTextFilter filter, List<(string Name, object Value)> parameters)
    {
        switch (filter)
        {
            case FullTextFilter.And and:
                return and.Operands.Count == 0 ? "1 = 1" : "(" + string.Join(" AND ", and.Operands.Select(o => Translate(o, parameters))) + ")";
            case FullTextFilter.Or or:
                return or.Operands.Count == 0 ? "1 = 0" : "(" + string.Join(" OR ", or.Operands.Select(o => Translate(o, parameters))) + ")";
            case FullTextFilter.Not not:
                return "NOT (" + Translate(not.Operand, parameters) + ")";
            case FullTextFilter.Match match:
                var words = TextTokenizer.Tokenize(match.Text).Select(t => t.Term).ToList();
                if (words.Count == 0)
                {
                    return "1 = 0";
                }

                // Every word on its own, each possibly in another value (or field, with none named); a phrase or a
                // run of words ending in a prefix within one value.
                return match.Kind == TextMatchKind.Words
                    ? "(" + string.Join(" AND ", words.Select(word => InSomeValue(match.Field, [word], TextMatchKind.Words, parameters))) + ")"
                    : InSomeValue(match.Field, words, match.Kind, parameters);
            default:
                throw new ArgumentException($"Unknown filter {filter.GetType().Name}.", nameof(filter));
        }
    }

    private string InSomeValue(string? field, IReadOnlyList<string> words, TextMatchKind kind, List<(string Name, object Value)> parameters)
    {
        string Parameter(object value)
        {
            var name = "p" + parameters.Count.ToString(CultureInfo.InvariantCulture);
            parameters.Add((name, value));
            return "@" + name;
        }

        var sql = new StringBuilder("d IN (SELECT v.d FROM ").Append(Dialect.FullTextValueTable).Append(" v WHERE v.a = @a");
        if (field is not null)
        {
            sql.Append(" AND v.f = ").Append(Parameter(field));
        }

        sql.Append(" AND ").Append(Dialect.FullTextValueMatch("v.t", words, kind, Parameter)).Append(')');
        return sql.ToString();
    }

    private async ValueTask DeleteAsync(string where, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        await executor.RunAsync(async (connection, progress, ct) =>
        {
            await using var transaction = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
            await SqlCommands.ExecuteAsync(connection, transaction, $"DELETE FROM {Dialect.FullTextValueTable} WHERE {where}", ct, parameters).ConfigureAwait(false);
            await SqlCommands.ExecuteAsync(connection, transaction, $"DELETE FROM {Dialect.FullTextDocumentTable} WHERE {where}", ct, parameters).ConfigureAwait(false);
            progress.Committing = true;
            await transaction.CommitAsync(ct).ConfigureAwait(false);
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }
}
