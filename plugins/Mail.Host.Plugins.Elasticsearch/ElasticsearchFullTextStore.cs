using System.Globalization;
using System.Threading.Channels;
using Elastic.Clients.Elasticsearch;
using Elastic.Clients.Elasticsearch.Core.Bulk;
using Elastic.Transport;
using Elastic.Transport.Products.Elasticsearch;
using Mail.Host.Storage;
using Microsoft.Extensions.Logging;

namespace Mail.Host.Plugins.Elasticsearch;

/// <summary>
/// The full-text role on Elasticsearch. Documents are routed by account, so an account's queries touch one shard.
/// Concurrent <see cref="IndexAsync"/> calls are gathered into bulk requests by one writer, each sent with
/// <c>refresh=wait_for</c> so a call returns when its document is searchable, as the contract asks. Failures that
/// say the cluster is away or overloaded (no answer, 429, 5xx) are retried with backoff, then reported as
/// <see cref="StoreUnavailableException"/>, which the engine treats as temporary.
/// </summary>
internal sealed class ElasticsearchFullTextStore : IFullTextStore, IAsyncDisposable
{
    /// <summary>Hits per search page; pages continue with search_after on the document id.</summary>
    public const int PageSize = 5000;

    private readonly ElasticsearchClient client;
    private readonly ElasticsearchSettings settings;
    private readonly ILogger logger;
    private readonly Channel<PendingWrite> writes = Channel.CreateUnbounded<PendingWrite>(new() { SingleReader = true });
    private readonly CancellationTokenSource stopping = new();
    private readonly Task writer;

    public ElasticsearchFullTextStore(ElasticsearchClient client, ElasticsearchSettings settings, ILogger logger)
    {
        this.client = client;
        this.settings = settings;
        this.logger = logger;
        writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>Installs the index template and creates the index when it does not exist.</summary>
    public async Task EnsureIndexAsync(CancellationToken cancellationToken)
    {
        var template = ElasticsearchIndexTemplate.Body(settings.Index, settings.Shards, settings.Replicas, settings.Analyzers);
        await RawAsync(Elastic.Transport.HttpMethod.PUT, "/_index_template/" + ElasticsearchIndexTemplate.Name(settings.Index), template, [200], cancellationToken).ConfigureAwait(false);
        var exists = await RawAsync(Elastic.Transport.HttpMethod.HEAD, "/" + settings.Index, null, [200, 404], cancellationToken).ConfigureAwait(false);
        if (exists == 404)
        {
            // Another host process may create it at the same moment: "already exists" is success.
            var created = await RawAsync(Elastic.Transport.HttpMethod.PUT, "/" + settings.Index, "{}", [200, 400], cancellationToken).ConfigureAwait(false);
            if (created == 400)
            {
                var again = await RawAsync(Elastic.Transport.HttpMethod.HEAD, "/" + settings.Index, null, [200, 404], cancellationToken).ConfigureAwait(false);
                if (again != 200)
                {
                    throw new InvalidOperationException($"Elasticsearch refused to create the index '{settings.Index}'.");
                }
            }
        }
    }

    public ValueTask IndexAsync(FullTextDocument document, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(document);
        var fields = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var field in document.Fields)
        {
            var name = ElasticsearchQueryTranslator.FieldName(field.Name);
            if (!fields.TryGetValue(name, out var values))
            {
                fields[name] = values = [];
            }

            values.Add(field.Text);
        }

        var message = new IndexedMessage
        {
            Account = unchecked((long)document.AccountId),
            Document = unchecked((long)document.DocumentId),
            Fields = fields,
        };
        var operation = new BulkIndexOperation<IndexedMessage>(message)
        {
            Id = IndexedMessage.Id(document.AccountId, document.DocumentId),
            Routing = RoutingFor(document.AccountId),
        };
        return EnqueueAsync(operation, cancellationToken);
    }

    public ValueTask RemoveAsync(ulong accountId, ulong documentId, CancellationToken cancellationToken = default)
        => EnqueueAsync(new BulkDeleteOperation(IndexedMessage.Id(accountId, documentId)) { Routing = RoutingFor(accountId) }, cancellationToken);

    public async ValueTask<IReadOnlyList<ulong>> QueryAsync(ulong accountId, FullTextFilter filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var query = ElasticsearchQueryTranslator.ForAccount(accountId, filter);
        var ids = new List<ulong>();
        ICollection<FieldValue>? after = null;
        while (true)
        {
            var request = new SearchRequest(settings.Index)
            {
                Query = query,
                Routing = RoutingFor(accountId),
                Size = PageSize,
                Sort = [new FieldSort(ElasticsearchQueryTranslator.DocumentField) { Order = SortOrder.Asc }],
                Source = new Elastic.Clients.Elasticsearch.Core.Search.SourceConfig(false),
                TrackTotalHits = new Elastic.Clients.Elasticsearch.Core.Search.TrackHits(false),
                SearchAfter = after,
            };
            var response = await WithRetriesAsync(ct => client.SearchAsync<object>(request, ct), "search", cancellationToken).ConfigureAwait(false);
            var hits = response.Hits;
            foreach (var hit in hits)
            {
                if (hit.Sort is not { Count: > 0 } sort || !sort.First().TryGetLong(out var id) || id is null)
                {
                    throw new InvalidOperationException($"Elasticsearch returned a hit without its document id as sort value (index '{settings.Index}').");
                }

                ids.Add(unchecked((ulong)id.Value));
            }

            if (hits.Count < PageSize)
            {
                break;
            }

            after = [.. hits.Last().Sort!];
        }

        // Sorted by the signed value in the index; ids above long.MaxValue (never made by the engine) would come
        // first, so sort again as the contract's unsigned ascending order.
        ids.Sort();
        return ids;
    }

    public async ValueTask RemoveAccountAsync(ulong accountId, CancellationToken cancellationToken = default)
    {
        var request = new DeleteByQueryRequest(settings.Index)
        {
            Query = new Elastic.Clients.Elasticsearch.QueryDsl.TermQuery(ElasticsearchQueryTranslator.AccountField, ElasticsearchQueryTranslator.FieldValue(accountId)),
            Routing = RoutingFor(accountId),
            Refresh = true,
            Conflicts = Conflicts.Proceed,
        };
        var response = await WithRetriesAsync(ct => client.DeleteByQueryAsync(request, ct), "delete_by_query", cancellationToken).ConfigureAwait(false);
        if (response.Failures is { Count: > 0 } failures)
        {
            throw new StoreUnavailableException($"Elasticsearch could not remove every document of account {accountId}: {failures.First().Cause?.Reason}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        writes.Writer.TryComplete();
        try
        {
            await writer.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            await stopping.CancelAsync().ConfigureAwait(false);
        }

        stopping.Dispose();
    }

    private static Routing RoutingFor(ulong accountId) => new(accountId.ToString(CultureInfo.InvariantCulture));

    private async ValueTask EnqueueAsync(BulkOperation operation, CancellationToken cancellationToken)
    {
        var pending = new PendingWrite(operation);
        if (!writes.Writer.TryWrite(pending))
        {
            throw new ObjectDisposedException(nameof(ElasticsearchFullTextStore));
        }

        await pending.Completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<PendingWrite>();
        while (await writes.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < settings.BulkSize && writes.Reader.TryRead(out var next))
            {
                batch.Add(next);
            }

            try
            {
                await SendBulkAsync(batch, stopping.Token).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                foreach (var pending in batch)
                {
                    pending.Completion.TrySetException(ex);
                }
            }
        }
    }

    /// <summary>Sends a batch; items the cluster refuses for load are sent again, the others complete or fail one by one.</summary>
    private async Task SendBulkAsync(List<PendingWrite> batch, CancellationToken cancellationToken)
    {
        var remaining = batch;
        for (var attempt = 1; ; attempt++)
        {
            var request = new BulkRequest(settings.Index) { Refresh = Refresh.WaitFor, Operations = [.. remaining.Select(p => p.Operation)] };
            var response = await WithRetriesAsync(ct => client.BulkAsync(request, ct), "bulk", cancellationToken).ConfigureAwait(false);
            var items = response.Items.ToList();
            if (items.Count != remaining.Count)
            {
                throw new StoreUnavailableException($"Elasticsearch answered a bulk request of {remaining.Count} operations with {items.Count} results.");
            }

            var retry = new List<PendingWrite>();
            for (var i = 0; i < items.Count; i++)
            {
                var item = items[i];
                var pending = remaining[i];
                if (item.Status is >= 200 and < 300 || (item.Status == 404 && pending.Operation is BulkDeleteOperation))
                {
                    pending.Completion.TrySetResult();
                }
                else if (item.Status is 429 or >= 500)
                {
                    retry.Add(pending);
                }
                else
                {
                    pending.Completion.TrySetException(new InvalidOperationException(
                        $"Elasticsearch refused document {item.Id} in index '{settings.Index}': {item.Status} {item.Error?.Type}: {item.Error?.Reason}"));
                }
            }

            if (retry.Count == 0)
            {
                return;
            }

            if (attempt >= settings.MaxAttempts)
            {
                var error = new StoreUnavailableException($"Elasticsearch kept refusing {retry.Count} bulk operations for load after {attempt} attempts.");
                foreach (var pending in retry)
                {
                    pending.Completion.TrySetException(error);
                }

                return;
            }

            remaining = retry;
            await Task.Delay(Backoff(attempt), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Runs a request, retrying when the cluster did not answer or answered 429 or 5xx; any other error is a bug or
    /// a misconfiguration and is reported at once with the server's reason.
    /// </summary>
    private async Task<TResponse> WithRetriesAsync<TResponse>(Func<CancellationToken, Task<TResponse>> send, string what, CancellationToken cancellationToken)
        where TResponse : ElasticsearchResponse
    {
        for (var attempt = 1; ; attempt++)
        {
            var response = await send(cancellationToken).ConfigureAwait(false);

            // A bulk answer with item errors is "not valid" to the client but is a complete answer: its items are
            // read one by one.
            if (response.IsValidResponse || response.ApiCallDetails.HttpStatusCode == 200)
            {
                return response;
            }

            var status = response.ApiCallDetails.HttpStatusCode;
            var reason = response.ElasticsearchServerError?.Error?.Reason ?? response.ApiCallDetails.OriginalException?.Message ?? "no reason given";
            var temporary = status is null or 429 or >= 500;
            if (!temporary)
            {
                throw new InvalidOperationException($"Elasticsearch refused the {what} request on index '{settings.Index}': {status} {reason}");
            }

            if (attempt >= settings.MaxAttempts)
            {
                throw new StoreUnavailableException($"Elasticsearch did not complete the {what} request on index '{settings.Index}' after {attempt} attempts: {(status is null ? "no answer" : status.Value.ToString(CultureInfo.InvariantCulture))} {reason}");
            }

            logger.LogWarning("Elasticsearch {Request} failed ({Status}: {Reason}); attempt {Attempt} of {MaxAttempts}", what, status, reason, attempt, settings.MaxAttempts);
            await Task.Delay(Backoff(attempt), cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<int> RawAsync(Elastic.Transport.HttpMethod method, string path, string? body, int[] accepted, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var response = await client.Transport.RequestAsync<StringResponse>(method, path, body is null ? null : PostData.String(body), cancellationToken).ConfigureAwait(false);
            var status = response.ApiCallDetails.HttpStatusCode;
            if (status is { } code && accepted.Contains(code))
            {
                return code;
            }

            var temporary = status is null or 429 or >= 500;
            if (!temporary)
            {
                throw new InvalidOperationException($"Elasticsearch answered {method} {path} with {status}: {response.Body}");
            }

            if (attempt >= settings.MaxAttempts)
            {
                throw new StoreUnavailableException($"Elasticsearch did not answer {method} {path} after {attempt} attempts: {(status is null ? response.ApiCallDetails.OriginalException?.Message : status.Value.ToString(CultureInfo.InvariantCulture))}");
            }

            await Task.Delay(Backoff(attempt), cancellationToken).ConfigureAwait(false);
        }
    }

    private static TimeSpan Backoff(int attempt) => TimeSpan.FromMilliseconds(Math.Min(5000, 100 * Math.Pow(4, attempt - 1)) * (0.75 + (Random.Shared.NextDouble() / 2)));

    private sealed class PendingWrite(BulkOperation operation)
    {
        public BulkOperation Operation { get; } = operation;

        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
