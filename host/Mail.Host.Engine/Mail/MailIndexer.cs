using Mail.Host.Mail;
using Mail.Host.Storage;

namespace Mail.Host.Engine.Mail;

/// <summary>
/// Keeps the full-text index in step with the emails. An email is committed together with a pending marker
/// (<see cref="MailKeys.FullTextPending"/>), indexed after the commit, and the marker is then deleted with an
/// assertion that it is still the index marker. Destroying an email replaces the marker with
/// <see cref="RemoveMarker"/> in the same batch; its document is removed after the commit. A process that stops in
/// between leaves a marker that <see cref="CatchUpAsync"/> finishes, so no email stays unindexed and no destroyed
/// email stays searchable for longer than one catch-up pass.
/// </summary>
internal sealed class MailIndexer(MailEngine engine, IFullTextStore store)
{
    /// <summary>The marker of an email still to be indexed.</summary>
    public static ReadOnlySpan<byte> IndexMarker => [1];

    /// <summary>The marker of a destroyed email still to be removed from the index.</summary>
    public static ReadOnlySpan<byte> RemoveMarker => [2];

    public IFullTextStore Store { get; } = store;

    private IDataStore Data => engine.Data;

    /// <summary>The document of one email: its addresses, subject, body text and attachment names as fields.</summary>
    public static FullTextDocument Document(ulong accountId, ulong emailId, MessageMetadata metadata, string? bodyText)
    {
        var fields = new List<FullTextField>();
        var envelope = metadata.Envelope;
        AddAddresses(fields, FullTextFieldNames.From, envelope.From);
        AddAddresses(fields, FullTextFieldNames.To, envelope.To);
        AddAddresses(fields, FullTextFieldNames.Cc, envelope.Cc);
        AddAddresses(fields, FullTextFieldNames.Bcc, envelope.Bcc);
        if (!string.IsNullOrEmpty(envelope.Subject))
        {
            fields.Add(new FullTextField(FullTextFieldNames.Subject, envelope.Subject));
        }

        if (!string.IsNullOrEmpty(bodyText))
        {
            fields.Add(new FullTextField(FullTextFieldNames.Body, bodyText));
        }

        var stack = new Stack<MessagePart>();
        stack.Push(metadata.Body);
        while (stack.Count > 0)
        {
            var part = stack.Pop();
            if (!string.IsNullOrEmpty(part.FileName))
            {
                fields.Add(new FullTextField(FullTextFieldNames.Attachment, part.FileName));
            }

            for (var i = part.Children.Count - 1; i >= 0; i--)
            {
                stack.Push(part.Children[i]);
            }
        }

        return new FullTextDocument(accountId, emailId, fields);
    }

    /// <summary>
    /// Indexes the emails a committed change created and removes those it destroyed. A failure leaves the marker,
    /// for the catch-up pass: the change itself is durable and is not reported as failed.
    /// </summary>
    public async ValueTask AfterCommitAsync(ulong accountId, AccountTransaction committed)
    {
        foreach (var emailId in committed.DestroyedEmails)
        {
            await TryAsync(() => RemoveAsync(accountId, emailId, CancellationToken.None)).ConfigureAwait(false);
        }

        foreach (var (email, source) in committed.CreatedEmails)
        {
            await TryAsync(() => IndexAsync(accountId, email, source, CancellationToken.None)).ConfigureAwait(false);
        }
    }

    /// <summary>Finishes every pending marker of every account.</summary>
    /// <returns>The number of markers finished.</returns>
    public async ValueTask<int> CatchUpAsync(CancellationToken cancellationToken)
    {
        var pending = new List<(byte[] Key, bool Remove)>();
        await foreach (var entry in Data.ScanAsync(MailKeys.FullTextPending, KeyRange.All(), cancellationToken).ConfigureAwait(false))
        {
            pending.Add((entry.Key, entry.Value.AsSpan().SequenceEqual(RemoveMarker)));
        }

        var done = 0;
        foreach (var (key, remove) in pending)
        {
            var accountId = MailKeys.FirstOf(key);
            var emailId = MailKeys.SecondOf(key);
            if (remove)
            {
                await RemoveAsync(accountId, emailId, cancellationToken).ConfigureAwait(false);
                done++;
                continue;
            }

            var value = await Data.GetAsync(MailKeys.Email, key, cancellationToken).ConfigureAwait(false);
            if (value is null)
            {
                // Destroyed by a process that did not index text: nothing is left to index, only to clean.
                await Store.RemoveAsync(accountId, emailId, cancellationToken).ConfigureAwait(false);
                await DeleteMarkerAsync(key, IndexMarker, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await IndexAsync(accountId, EmailRecord.Decode(emailId, value), null, cancellationToken).ConfigureAwait(false);
            }

            done++;
        }

        return done;
    }

    private async ValueTask IndexAsync(ulong accountId, EmailRecord email, StoredMessage? source, CancellationToken cancellationToken)
    {
        MessageMetadata metadata;
        string? text;
        if (source?.BodyText is { } extracted)
        {
            metadata = source.Metadata;
            text = extracted;
        }
        else
        {
            // A copy made as a new email, or a pass after a crash: the text was not kept, so the message is read again.
            (metadata, text) = await engine.ParseForIndexAsync(email.Blob, email.Size, cancellationToken).ConfigureAwait(false);
        }

        await Store.IndexAsync(Document(accountId, email.Id, metadata, text), cancellationToken).ConfigureAwait(false);
        var key = MailKeys.AccountItem(accountId, email.Id);
        if (!await DeleteMarkerAsync(key, IndexMarker, cancellationToken).ConfigureAwait(false)
            && await Data.GetAsync(MailKeys.Email, key, cancellationToken).ConfigureAwait(false) is null)
        {
            // Destroyed while being indexed; its removal may have run before the write above, so it is done again.
            await Store.RemoveAsync(accountId, email.Id, cancellationToken).ConfigureAwait(false);
        }
    }

    private async ValueTask RemoveAsync(ulong accountId, ulong emailId, CancellationToken cancellationToken)
    {
        await Store.RemoveAsync(accountId, emailId, cancellationToken).ConfigureAwait(false);
        await DeleteMarkerAsync(MailKeys.AccountItem(accountId, emailId), RemoveMarker, cancellationToken).ConfigureAwait(false);
    }

    private ValueTask<bool> DeleteMarkerAsync(byte[] key, ReadOnlySpan<byte> expected, CancellationToken cancellationToken)
    {
        var batch = new WriteBatch()
            .AssertValue(MailKeys.FullTextPending, key, expected)
            .Delete(MailKeys.FullTextPending, key);
        return CommitAsync(batch, cancellationToken);
    }

    private async ValueTask<bool> CommitAsync(WriteBatch batch, CancellationToken cancellationToken)
        => await Data.CommitAsync(batch, cancellationToken).ConfigureAwait(false) == CommitResult.Committed;

    private static void AddAddresses(List<FullTextField> fields, string name, IReadOnlyList<EmailAddress> addresses)
    {
        foreach (var address in addresses)
        {
            var text = string.IsNullOrEmpty(address.Name) ? address.Address : $"{address.Name} {address.Address}";
            if (!string.IsNullOrWhiteSpace(text))
            {
                fields.Add(new FullTextField(name, text));
            }
        }
    }

    private static async ValueTask TryAsync(Func<ValueTask> action)
    {
        try
        {
            await action().ConfigureAwait(false);
        }
#pragma warning disable CA1031 // The email is committed; the marker left behind makes the catch-up pass do this again.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }
}
