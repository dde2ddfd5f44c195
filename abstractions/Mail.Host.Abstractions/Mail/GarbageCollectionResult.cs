namespace Mail.Host.Mail;

/// <summary>What <see cref="IMailEngine.CollectGarbageAsync"/> removed.</summary>
/// <param name="BlobsDeleted">Message blobs no email referenced any more, deleted with their parsed metadata.</param>
/// <param name="ChangesPurged">Change-log entries older than the retention age, removed.</param>
/// <param name="EmailsIndexed">Emails whose interrupted full-text indexing (or index removal) was completed (see <see cref="IMailEngine.IndexPendingAsync"/>).</param>
public sealed record GarbageCollectionResult(int BlobsDeleted, int ChangesPurged, int EmailsIndexed = 0);
