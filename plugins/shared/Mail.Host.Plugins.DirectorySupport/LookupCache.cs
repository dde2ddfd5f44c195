using System.Collections.Concurrent;

namespace Mail.Host.Plugins.DirectorySupport;

/// <summary>
/// Results of directory lookups kept for a fixed time, so that a burst of deliveries or logins does not ask the
/// directory server the same question again and again. Failures are never kept. Bounded: when it holds
/// <see cref="MaxEntries"/> entries it drops what has expired, and everything if that is not enough.
/// </summary>
/// <typeparam name="TValue">What a lookup returns.</typeparam>
public sealed class LookupCache<TValue>
{
    /// <summary>The most entries kept.</summary>
    public const int MaxEntries = 10_000;

    private readonly ConcurrentDictionary<string, Entry> entries = new(StringComparer.Ordinal);
    private readonly TimeSpan lifetime;
    private readonly TimeProvider time;

    /// <summary>Creates an empty cache.</summary>
    /// <param name="lifetime">How long a result is kept; zero or less keeps nothing.</param>
    /// <param name="time">The clock; <see cref="TimeProvider.System"/> when null.</param>
    public LookupCache(TimeSpan lifetime, TimeProvider? time = null)
    {
        this.lifetime = lifetime;
        this.time = time ?? TimeProvider.System;
    }

    /// <summary>How many entries it holds, expired ones included.</summary>
    public int Count => entries.Count;

    /// <summary>Returns the kept result for a key, or runs the lookup and keeps what it returns.</summary>
    /// <param name="key">The question.</param>
    /// <param name="lookup">Asks the directory.</param>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    /// <returns>The result.</returns>
    public async ValueTask<TValue> GetOrLookupAsync(string key, Func<CancellationToken, ValueTask<TValue>> lookup, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(lookup);
        if (lifetime <= TimeSpan.Zero)
        {
            return await lookup(cancellationToken).ConfigureAwait(false);
        }

        var now = time.GetTimestamp();
        if (entries.TryGetValue(key, out var entry) && time.GetElapsedTime(entry.Stored, now) < lifetime)
        {
            return entry.Value;
        }

        var value = await lookup(cancellationToken).ConfigureAwait(false);
        if (entries.Count >= MaxEntries)
        {
            Trim();
        }

        entries[key] = new Entry(value, time.GetTimestamp());
        return value;
    }

    /// <summary>Forgets everything.</summary>
    public void Clear() => entries.Clear();

    private void Trim()
    {
        var now = time.GetTimestamp();
        foreach (var (key, entry) in entries)
        {
            if (time.GetElapsedTime(entry.Stored, now) >= lifetime)
            {
                entries.TryRemove(key, out _);
            }
        }

        if (entries.Count >= MaxEntries)
        {
            entries.Clear();
        }
    }

    private readonly record struct Entry(TValue Value, long Stored);
}
