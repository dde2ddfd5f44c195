using Mail.Host.Storage;

namespace Mail.Host.Plugins.Elasticsearch;

/// <summary>An open <c>elasticsearch</c> store: the full-text role only.</summary>
internal sealed class ElasticsearchStoreInstance(ElasticsearchFullTextStore fullText) : IStoreInstance
{
    public IDataStore? Data => null;

    public IBlobStore? Blob => null;

    public IFullTextStore? FullText => fullText;

    public ILookupStore? Lookup => null;

    // Every write is acknowledged by the cluster (refresh=wait_for) before its call returns; nothing is buffered.
    public ValueTask FlushAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => fullText.DisposeAsync();
}
