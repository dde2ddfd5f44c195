namespace Mail.Host.Plugins.SqlStore;

/// <summary>How far a unit of work run by <see cref="SqlExecutor"/> got, so a failure can be judged safe to retry.</summary>
internal sealed class UnitProgress
{
    /// <summary>
    /// Whether the unit has sent (or is sending) the statement that applies its writes; after that a lost
    /// connection leaves the outcome unknown and the unit is not retried.
    /// </summary>
    public bool Committing { get; set; }
}
