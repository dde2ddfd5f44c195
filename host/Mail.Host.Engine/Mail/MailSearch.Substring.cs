using System.Text;
using Mail.Host.Engine.Storage;
using Mail.Host.Mail;
using Mail.Host.Storage;

namespace Mail.Host.Engine.Mail;

/// <summary>
/// Substring conditions (<see cref="MailFilter.Substring"/>, IMAP's FROM, TO, CC, BCC, SUBJECT, BODY and TEXT): the
/// full-text index proposes the emails that can match, and each proposed email is read and checked.
/// </summary>
/// <remarks>
/// <para>
/// What the index can propose depends on where the fragment's words stand. The text is broken into words by the same
/// rules as the index (<see cref="TextTokenizer"/>). A fragment of several words starts inside or at the end of some
/// word, has whole words in between and ends at the start of some word; so every email that holds it holds the
/// inner words and a word starting with the last one, in that field: an ordinary word query (the inner words, and the
/// last one as a prefix) gives a superset, whatever the store. A fragment of one word may sit anywhere inside a word:
/// only a store that can look inside its words (<see cref="IFullTextStore.QueryWordsContainingAsync"/>) proposes
/// emails for it; with any other store, and for a fragment without letters or digits, every email still in the
/// running is read. Every other condition of the search is applied first, so that reading covers only what is left.
/// </para>
/// <para>
/// The check compares the decoded text without case (<see cref="StringComparison.OrdinalIgnoreCase"/>). Address fields
/// are checked as <c>Name &lt;address&gt;</c> per address and the names of the field's groups; the body as the text the
/// index holds (the text/plain and text/html bodies, HTML as the text it shows, the plain version of an alternative);
/// TEXT adds the message's header block (its text with folded lines joined, and the decoded values of fields with
/// encoded words), read for every candidate since the index does not hold it, and the attachment names. Since the
/// index holds the same text, folded further (diacritics dropped), what it proposes covers everything the check can
/// accept, with two limits the index sets: a word is held by its first 64 characters, and a message's body text by its
/// first 512 KiB characters.
/// </para>
/// </remarks>
internal sealed partial class MailSearch
{
    /// <summary>The bytes read first for a message's header block; almost every header block ends within them.</summary>
    private const int HeaderProbeBytes = 16 * 1024;

    /// <summary>Header blocks read at the same time by TEXT.</summary>
    private const int HeaderReadsInParallel = 8;

    /// <summary>From this many candidates without their email record, TEXT reads the account's records in one scan.</summary>
    private const int BulkRecordReads = 1024;

    private readonly Dictionary<MailFilter.Substring, HashSet<ulong>?> proposals = [];

    /// <summary>The candidates whose text contains the condition's value.</summary>
    private async ValueTask<List<Candidate>> SubstringFilterAsync(MailFilter.Substring condition, List<Candidate> candidates)
    {
        if (condition.Value.Length == 0)
        {
            return candidates;
        }

        var many = candidates.Count > engine.Options.SubstringDirectReads;
        var proposed = many ? await ProposeAsync(condition).ConfigureAwait(false) : null;
        bool[]? inHeaders = null;
        if (condition.Field == MailTextField.Any && many)
        {
            // TEXT reads every candidate's header block: the records are read in one scan, the blocks several at a time.
            await LoadEmailsAsync(candidates).ConfigureAwait(false);
            var found = new bool[candidates.Count];
            var options = new ParallelOptions { MaxDegreeOfParallelism = HeaderReadsInParallel, CancellationToken = cancellationToken };
            await Parallel.ForEachAsync(Enumerable.Range(0, candidates.Count), options, async (i, token) =>
                found[i] = candidates[i].Email is { } email && await HeaderBlockContainsAsync(email, condition.Value, token).ConfigureAwait(false)).ConfigureAwait(false);
            inHeaders = found;
        }

        var result = new List<Candidate>();
        for (var i = 0; i < candidates.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var candidate = candidates[i];
            if (inHeaders is not null
                ? inHeaders[i] || await RestOfTextMatchesAsync(candidate, condition.Value, proposed).ConfigureAwait(false)
                : await SubstringMatchesAsync(condition, candidate, proposed).ConfigureAwait(false))
            {
                result.Add(candidate);
            }
        }

        return result;
    }

    /// <summary>
    /// Gives every candidate its email record; when many are missing, from one scan of the account's records rather
    /// than a read each.
    /// </summary>
    private async ValueTask LoadEmailsAsync(List<Candidate> candidates)
    {
        var missing = new Dictionary<ulong, List<Candidate>>();
        foreach (var candidate in candidates)
        {
            if (candidate.Email is null)
            {
                if (!missing.TryGetValue(candidate.EmailId, out var list))
                {
                    missing[candidate.EmailId] = list = [];
                }

                list.Add(candidate);
            }
        }

        if (missing.Count < BulkRecordReads)
        {
            foreach (var list in missing.Values)
            {
                foreach (var candidate in list)
                {
                    await EmailOfAsync(candidate).ConfigureAwait(false);
                }
            }

            return;
        }

        await foreach (var entry in Data.ScanAsync(MailKeys.Email, KeyRange.Prefix(MailKeys.Account(accountId)), cancellationToken).ConfigureAwait(false))
        {
            if (missing.TryGetValue(MailKeys.SecondOf(entry.Key), out var list))
            {
                var email = EmailRecord.Decode(list[0].EmailId, entry.Value);
                foreach (var candidate in list)
                {
                    candidate.Email = email;
                }
            }
        }
    }

    /// <summary>The emails the full-text index says can hold the value; <see langword="null"/> when it cannot tell.</summary>
    private async ValueTask<HashSet<ulong>?> ProposeAsync(MailFilter.Substring condition)
    {
        if (engine.Indexer is not { } indexer)
        {
            return null;
        }

        if (proposals.TryGetValue(condition, out var cached))
        {
            return cached;
        }

        var words = TextTokenizer.Tokenize(condition.Value).Select(t => t.Term).ToList();
        var field = FieldName(condition.Field);
        IReadOnlyList<ulong>? ids = null;
        if (words.Count > 0)
        {
            // What this process delivered to the account is indexed before the index is asked (see TextMatchesAsync).
            await indexer.WaitForAccountAsync(accountId, cancellationToken).ConfigureAwait(false);
            if (words.Count == 1)
            {
                ids = await indexer.Store.QueryWordsContainingAsync(accountId, field, condition.Value, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                // The first word may be the end of a longer one: only the inner words and the last one's start are asked.
                var last = FullTextFilter.Prefix(field, words[^1]);
                var query = words.Count == 2 ? last : FullTextFilter.AllOf(FullTextFilter.Words(field, string.Join(' ', words[1..^1])), last);
                ids = await indexer.Store.QueryAsync(accountId, query, cancellationToken).ConfigureAwait(false);
            }
        }

        var set = ids?.ToHashSet();
        proposals[condition] = set;
        return set;
    }

    private static string? FieldName(MailTextField field) => field switch
    {
        MailTextField.From => FullTextFieldNames.From,
        MailTextField.To => FullTextFieldNames.To,
        MailTextField.Cc => FullTextFieldNames.Cc,
        MailTextField.Bcc => FullTextFieldNames.Bcc,
        MailTextField.Subject => FullTextFieldNames.Subject,
        MailTextField.Body => FullTextFieldNames.Body,
        MailTextField.AttachmentName => FullTextFieldNames.Attachment,
        _ => null,
    };

    /// <summary>Reads one candidate and checks it; one not <paramref name="proposed"/> is only checked where the index cannot look.</summary>
    private async ValueTask<bool> SubstringMatchesAsync(MailFilter.Substring condition, Candidate candidate, HashSet<ulong>? proposed)
    {
        var value = condition.Value;
        var isProposed = proposed is null || proposed.Contains(candidate.EmailId);
        if (condition.Field != MailTextField.Any)
        {
            if (!isProposed)
            {
                return false;
            }

            if (condition.Field == MailTextField.Body)
            {
                return (await BodyTextOfAsync(candidate).ConfigureAwait(false)).Contains(value, StringComparison.OrdinalIgnoreCase);
            }

            var metadata = await MetadataOfAsync(candidate).ConfigureAwait(false);
            return metadata is not null && MetadataContains(metadata, condition.Field, value);
        }

        // TEXT: the header block, which the index does not hold, is read for every candidate; the rest only when the
        // index proposed the email (it holds the addresses, subject, attachment names and body text).
        return (await EmailOfAsync(candidate).ConfigureAwait(false) is { } email && await HeaderBlockContainsAsync(email, value, cancellationToken).ConfigureAwait(false))
            || await RestOfTextMatchesAsync(candidate, value, proposed).ConfigureAwait(false);
    }

    /// <summary>TEXT past the header block: the addresses, subject, attachment names and body text, when the index proposed the email.</summary>
    private async ValueTask<bool> RestOfTextMatchesAsync(Candidate candidate, string value, HashSet<ulong>? proposed)
    {
        if (proposed is not null && !proposed.Contains(candidate.EmailId))
        {
            return false;
        }

        if (await MetadataOfAsync(candidate).ConfigureAwait(false) is { } described
            && (MetadataContains(described, MailTextField.From, value) || MetadataContains(described, MailTextField.To, value)
                || MetadataContains(described, MailTextField.Cc, value) || MetadataContains(described, MailTextField.Bcc, value)
                || MetadataContains(described, MailTextField.Subject, value) || MetadataContains(described, MailTextField.AttachmentName, value)))
        {
            return true;
        }

        return (await BodyTextOfAsync(candidate).ConfigureAwait(false)).Contains(value, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// Whether the message's header block holds the value: its text with folded lines joined (field names included),
    /// or, when it has RFC 2047 encoded words, one of its decoded field values. Only the header block is read: the
    /// first <see cref="HeaderProbeBytes"/> of the blob, or the length the metadata gives when the block is longer.
    /// Touches nothing of the search's own state, so several run at once.
    /// </summary>
    private async ValueTask<bool> HeaderBlockContainsAsync(EmailRecord email, string value, CancellationToken token)
    {
        var block = await engine.Blobs.ReadRangeAsync(email.Blob, 0, (int)Math.Min(email.Size, HeaderProbeBytes), token).ConfigureAwait(false);
        if (block is null)
        {
            return false;
        }

        var end = HeaderEnd(block);
        if (end >= 0)
        {
            block = block[..end];
        }
        else if (block.Length < email.Size)
        {
            var described = await engine.GetMetadataAsync(email.Blob, email.Size, token).ConfigureAwait(false);
            var length = (int)Math.Min(described.Body.BodyOffset, MaxHeaderBytes);
            block = length <= block.Length ? block[..Math.Max(0, length)] : await engine.Blobs.ReadRangeAsync(email.Blob, 0, length, token).ConfigureAwait(false) ?? [];
        }

        var text = Encoding.UTF8.GetString(block).Replace("\r\n ", " ", StringComparison.Ordinal).Replace("\r\n\t", "\t", StringComparison.Ordinal).Replace("\n ", " ", StringComparison.Ordinal).Replace("\n\t", "\t", StringComparison.Ordinal);
        if (text.Contains(value, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (!text.Contains("=?", StringComparison.Ordinal))
        {
            return false;
        }

        foreach (var (_, headerValue) in MessageParser.ParseHeaders(block))
        {
            if (headerValue.Contains(value, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The length of the header block at the start of a message (through the line before the empty line), or -1 when it does not end in <paramref name="start"/>.</summary>
    private static int HeaderEnd(ReadOnlySpan<byte> start)
    {
        if ((start.Length > 0 && start[0] == (byte)'\n') || start.StartsWith("\r\n"u8))
        {
            return 0;
        }

        var crlf = start.IndexOf("\n\r\n"u8);
        var lf = start.IndexOf("\n\n"u8);
        var at = crlf < 0 ? lf : lf < 0 ? crlf : Math.Min(crlf, lf);
        return at < 0 ? -1 : at + 1;
    }

    /// <summary>Whether a field the metadata describes (addresses, subject, attachment names) contains the value.</summary>
    private static bool MetadataContains(MessageMetadata metadata, MailTextField field, string value)
    {
        var envelope = metadata.Envelope;
        switch (field)
        {
            case MailTextField.Subject:
                return envelope.Subject?.Contains(value, StringComparison.OrdinalIgnoreCase) == true;
            case MailTextField.AttachmentName:
                var stack = new Stack<MessagePart>();
                stack.Push(metadata.Body);
                while (stack.Count > 0)
                {
                    var part = stack.Pop();
                    if (part.FileName?.Contains(value, StringComparison.OrdinalIgnoreCase) == true)
                    {
                        return true;
                    }

                    foreach (var child in part.Children)
                    {
                        stack.Push(child);
                    }
                }

                return false;
        }

        var (name, addresses) = field switch
        {
            MailTextField.From => (FullTextFieldNames.From, envelope.From),
            MailTextField.To => (FullTextFieldNames.To, envelope.To),
            MailTextField.Cc => (FullTextFieldNames.Cc, envelope.Cc),
            MailTextField.Bcc => (FullTextFieldNames.Bcc, envelope.Bcc),
            _ => throw new ArgumentOutOfRangeException(nameof(field), field, "Not a field of the envelope."),
        };
        foreach (var group in envelope.Groups)
        {
            if (group.Field == name && group.Name.Contains(value, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        if (addresses.Count == 0)
        {
            return false;
        }

        // The addresses as one list, so a fragment may run from one address into the next as it does in the header.
        var text = new StringBuilder();
        foreach (var address in addresses)
        {
            if (text.Length > 0)
            {
                text.Append(", ");
            }

            if (!string.IsNullOrEmpty(address.Name))
            {
                text.Append(address.Name).Append(' ');
            }

            text.Append('<').Append(address.Address).Append('>');
        }

        return text.ToString().Contains(value, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The text of the message's bodies, as the full-text index holds it; empty when the message cannot be read.</summary>
    private async ValueTask<string> BodyTextOfAsync(Candidate candidate)
    {
        if (await EmailOfAsync(candidate).ConfigureAwait(false) is not { } email)
        {
            return string.Empty;
        }

        var (_, text) = await engine.ParseForIndexAsync(email.Blob, email.Size, cancellationToken).ConfigureAwait(false);
        return text ?? string.Empty;
    }
}
