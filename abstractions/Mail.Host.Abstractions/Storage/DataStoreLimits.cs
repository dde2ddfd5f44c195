namespace Mail.Host.Storage;

/// <summary>The least every data store must accept; the engine never writes more than this in one key or value.</summary>
public static class DataStoreLimits
{
    /// <summary>Every data store accepts keys of at least this many bytes.</summary>
    public const int MinimumMaxKeySize = 1024;

    /// <summary>Every data store accepts values of at least this many bytes; larger data is chunked by the engine.</summary>
    public const int MinimumMaxValueSize = 100_000;
}
