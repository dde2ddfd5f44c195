namespace Mail.Host.Engine.Tests;

/// <summary>
/// A clock that moves only when told to. Timers and delays still run on real time, so polling loops keep going
/// while the dates that expiries and ages are measured with stand still.
/// </summary>
internal sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private long ticks = start.UtcTicks;

    public ManualClock()
        : this(new DateTimeOffset(2030, 1, 1, 12, 0, 0, TimeSpan.Zero))
    {
    }

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref ticks), TimeSpan.Zero);

    public void Advance(TimeSpan by) => Interlocked.Add(ref ticks, by.Ticks);
}
