using System.Buffers;
using System.Text;
using Mail.Host.Mail;

namespace Mail.Host.Plugins.Imap;

/// <summary>Selecting a mailbox, reporting changes made elsewhere, IDLE, CLOSE and EXPUNGE.</summary>
internal sealed partial class ImapSession
{
    private const string SystemFlags = "\\Answered \\Flagged \\Deleted \\Seen \\Draft";
    private SelectedMailbox? selected;

    private SelectedMailbox Selected => selected ?? throw new InvalidOperationException("No mailbox is selected.");

    /// <summary>Reads a mailbox name argument and maps it to the stored name.</summary>
    private string ReadMailboxName(ImapParser parser)
    {
        var raw = parser.ReadAString();
        return ToInternalName(raw);
    }

    private string ToInternalName(string raw)
    {
        if (Utf8Names)
        {
            return raw;
        }

        if (!ModifiedUtf7.TryDecode(raw, out var name))
        {
            throw new ImapNoException("The mailbox name is not valid modified UTF-7", "CANNOT");
        }

        return name;
    }

    /// <summary>A LIST pattern as a stored name; <see langword="null"/> when it is not valid modified UTF-7.</summary>
    private string? ToInternalPattern(string raw) => Utf8Names ? raw : ModifiedUtf7.TryDecode(raw, out var name) ? name : null;

    private string ToClientName(string name) => Utf8Names ? name : ModifiedUtf7.Encode(name);

    private string MailboxAString(string name) => new StringBuilder().AppendAString(ToClientName(name), Utf8Names).ToString();

    private async ValueTask<Mailbox> FindMailboxAsync(string name, string? missingCode = "NONEXISTENT")
        => await Account.FindMailboxAsync(name).ConfigureAwait(false) ?? throw new ImapNoException("No such mailbox", missingCode);

    private async ValueTask SelectAsync(ImapParser parser, bool readOnly)
    {
        parser.ExpectSpace();
        var name = ReadMailboxName(parser);
        var useCondStore = false;
        (uint UidValidity, ulong ModSeq, SequenceSet? Known)? resync = null;
        if (parser.TrySpace())
        {
            parser.ReadList(() =>
            {
                var parameter = parser.ReadAtom().ToUpperInvariant();
                switch (parameter)
                {
                    case "CONDSTORE":
                        useCondStore = true;
                        break;
                    case "QRESYNC":
                        if (!qresync)
                        {
                            throw new ImapParseException("QRESYNC is not enabled");
                        }

                        parser.ExpectSpace();
                        parser.Expect('(');
                        var validity = parser.ReadNumber();
                        parser.ExpectSpace();
                        var modSeq = parser.ReadNumber64();
                        SequenceSet? known = null;
                        if (parser.TrySpace() && parser.Peek() != (byte)'(')
                        {
                            known = SequenceSet.Parse(parser.ReadAtom());
                            parser.TrySpace();
                        }

                        if (parser.Peek() == (byte)'(')
                        {
                            parser.ReadList(() => parser.ReadAtom());
                        }

                        parser.Expect(')');
                        resync = (validity, modSeq, known);
                        break;
                    default:
                        throw new ImapParseException($"Unknown SELECT parameter {parameter}");
                }
            });
        }

        parser.ExpectEnd();
        if (selected is not null)
        {
            selected = null;
            state = ImapState.Authenticated;
            if (qresync || rev2)
            {
                Send("* OK [CLOSED] Previous mailbox closed");
            }
        }

        if (useCondStore)
        {
            condStore = true;
        }

        var mailbox = await FindMailboxAsync(name).ConfigureAwait(false);
        var rights = await SelectRightsAsync(mailbox).ConfigureAwait(false);
        var byRights = !readOnly && !CanChange(rights);
        readOnly |= byRights;
        var view = new SelectedMailbox
        {
            Id = mailbox.Id,
            Name = mailbox.Name,
            ReadOnly = readOnly,
            ReadOnlyByRights = byRights,
            UidValidity = mailbox.UidValidity,
            ModSeq = mailbox.HighestModSeq,
            ExpungeModSeq = mailbox.HighestModSeq,
        };
        uint firstUnseen = 0;
        await foreach (var message in Account.GetMessagesAsync(mailbox.Id).ConfigureAwait(false))
        {
            view.Add(message.Uid, message.Keywords, message.ModSeq);
            foreach (var keyword in message.Keywords)
            {
                view.Keywords.Add(keyword);
            }

            if (firstUnseen == 0 && !message.Keywords.Contains(MailKeywords.Seen))
            {
                firstUnseen = view.Exists;
            }

            view.ModSeq = Math.Max(view.ModSeq, message.ModSeq);
        }

        view.ExpungeModSeq = view.ModSeq;
        var claimedBefore = readOnly ? RecentTracker.LastClaimed(Account.AccountId, view.Id) : RecentTracker.Claim(Account.AccountId, view.Id, view.MaxUid);
        foreach (var uid in view.Uids)
        {
            if (uid > claimedBefore)
            {
                view.Recent.Add(uid);
            }
        }

        selected = view;
        state = ImapState.Selected;
        Send($"* FLAGS ({FlagList(view)})");
        Send($"* OK [PERMANENTFLAGS ({(readOnly ? string.Empty : PermanentFlags(rights))})] Flags permitted");
        Send($"* {view.Exists} EXISTS");
        if (!rev2)
        {
            Send($"* {view.Recent.Count} RECENT");
            if (firstUnseen > 0)
            {
                Send($"* OK [UNSEEN {firstUnseen}] First unseen message");
            }
        }

        Send($"* OK [UIDVALIDITY {view.UidValidity}] UIDs valid");
        Send($"* OK [UIDNEXT {Math.Max(mailbox.UidNext, view.MaxUid + 1)}] Predicted next UID");
        Send($"* OK [HIGHESTMODSEQ {view.ModSeq}] Highest");
        Send($"* OK [MAILBOXID (F{mailbox.Id})] Mailbox id");
        if (rev2 || Utf8Names)
        {
            Send($"* LIST () \"{Engine.HierarchySeparator}\" {MailboxAString(mailbox.Name)}");
        }

        if (resync is { } r && r.UidValidity == view.UidValidity)
        {
            await ResyncAsync(view, r.ModSeq, r.Known).ConfigureAwait(false);
        }

        Ok($"[{(readOnly ? "READ-ONLY" : "READ-WRITE")}] {(readOnly ? "EXAMINE" : "SELECT")} completed");
    }

    /// <summary>QRESYNC: what vanished and what changed since the client's mod-sequence (RFC 7162 §3.2.5).</summary>
    private async ValueTask ResyncAsync(SelectedMailbox view, ulong modSeq, SequenceSet? known)
    {
        var expunged = await Account.GetExpungedAsync(view.Id, modSeq).ConfigureAwait(false);
        IEnumerable<uint> vanished = expunged.Uids;
        if (!expunged.IsComplete)
        {
            // The log no longer reaches back: every UID the client may know of that is not here is reported.
            var present = view.Uids.ToHashSet();
            var max = view.MaxUid;
            vanished = known is null
                ? Enumerable.Range(1, (int)Math.Min(max, 1_000_000)).Select(u => (uint)u).Where(u => !present.Contains(u))
                : KnownUids(known, max).Where(u => !present.Contains(u));
        }

        if (known is not null)
        {
            vanished = vanished.Where(u => known.Contains(u, uint.MaxValue - 1));
        }

        var list = vanished.ToList();
        if (list.Count > 0)
        {
            Send($"* VANISHED (EARLIER) {UidSet(list)}");
        }

        foreach (var message in await Account.GetChangedMessagesAsync(view.Id, modSeq).ConfigureAwait(false))
        {
            var sequence = view.SequenceOf(message.Uid);
            if (sequence > 0)
            {
                Send($"* {sequence} FETCH (UID {message.Uid} FLAGS ({Flags(message.Keywords)}) MODSEQ ({message.ModSeq}))");
            }
        }
    }

    private static IEnumerable<uint> KnownUids(SequenceSet known, uint max)
    {
        foreach (var (first, last) in known.Ranges)
        {
            var a = first == uint.MaxValue ? max : first;
            var b = last == uint.MaxValue ? max : last;
            if (a > b)
            {
                (a, b) = (b, a);
            }

            for (var u = a; u <= b && u - a < 1_000_000; u++)
            {
                yield return u;
                if (u == uint.MaxValue)
                {
                    break;
                }
            }
        }
    }

    private static bool IsSystemKeyword(string keyword)
        => keyword is MailKeywords.Seen or MailKeywords.Answered or MailKeywords.Flagged or MailKeywords.Draft or MailKeywords.Deleted;

    private static string FlagList(SelectedMailbox view)
    {
        var builder = new StringBuilder(SystemFlags);
        foreach (var keyword in view.Keywords.Order(StringComparer.Ordinal))
        {
            if (!IsSystemKeyword(keyword))
            {
                builder.Append(' ').Append(keyword);
            }
        }

        return builder.ToString();
    }

    private static string Flags(IReadOnlyList<string> keywords)
        => string.Join(' ', keywords.Select(MailKeywords.ToImap));

    /// <summary>The flags of a message of the selected mailbox, with \Recent for IMAP4rev1 clients.</summary>
    private string Flags(IReadOnlyList<string> keywords, uint uid)
    {
        var flags = Flags(keywords);
        if (rev2 || selected is null || !selected.Recent.Contains(uid))
        {
            return flags;
        }

        return flags.Length == 0 ? "\\Recent" : flags + " \\Recent";
    }

    /// <summary>Writes a UID set compactly: <c>1:3,7,9:12</c>.</summary>
    private static string UidSet(IEnumerable<uint> uids) => OrderedSet(uids.Order());

    /// <summary>
    /// Writes numbers in the order given, runs of consecutive ascending numbers as ranges: <c>3:5,1,2</c> (ESORT's
    /// ALL, RFC 5267 §3.2, keeps the sort order).
    /// </summary>
    private static string OrderedSet(IEnumerable<uint> uids)
    {
        var builder = new StringBuilder();
        uint start = 0;
        uint previous = 0;
        foreach (var uid in uids)
        {
            if (start == 0)
            {
                start = previous = uid;
                continue;
            }

            if (uid == previous || uid == previous + 1)
            {
                previous = uid;
                continue;
            }

            AppendRange(builder, start, previous);
            start = previous = uid;
        }

        if (start != 0)
        {
            AppendRange(builder, start, previous);
        }

        return builder.ToString();
    }

    private static void AppendRange(StringBuilder builder, uint first, uint last)
    {
        if (builder.Length > 0)
        {
            builder.Append(',');
        }

        builder.Append(first);
        if (last != first)
        {
            builder.Append(':').Append(last);
        }
    }

    /// <summary>
    /// Reports what changed in the selected mailbox since the client was last told: new messages (EXISTS), flag
    /// changes (FETCH) and, when <paramref name="allowExpunge"/>, expunged messages (EXPUNGE or VANISHED).
    /// </summary>
    private async ValueTask SyncAsync(bool allowExpunge, bool force = true)
    {
        var view = selected;
        var signalled = Interlocked.Exchange(ref changeSignal, 0) == 1;
        if (view is null || (!force && !signalled && !view.Dirty))
        {
            return;
        }

        var mailbox = await Account.GetMailboxAsync(view.Id).ConfigureAwait(false);
        if (mailbox is null)
        {
            // Deleted by another session: nothing more can be reported on it.
            return;
        }

        view.Dirty = false;
        if (allowExpunge && mailbox.HighestModSeq > view.ExpungeModSeq)
        {
            var expunged = await Account.GetExpungedAsync(view.Id, view.ExpungeModSeq).ConfigureAwait(false);
            IReadOnlyList<uint> gone = expunged.Uids;
            if (!expunged.IsComplete)
            {
                var present = new HashSet<uint>();
                await foreach (var message in Account.GetMessagesAsync(view.Id).ConfigureAwait(false))
                {
                    present.Add(message.Uid);
                }

                gone = [.. view.Uids.Where(u => !present.Contains(u))];
            }

            ReportExpunged(view, gone);
            view.ExpungeModSeq = mailbox.HighestModSeq;
        }
        else if (!allowExpunge && mailbox.HighestModSeq > view.ExpungeModSeq)
        {
            view.Dirty = true;
        }

        if (mailbox.HighestModSeq <= view.ModSeq)
        {
            return;
        }

        var changed = await Account.GetChangedMessagesAsync(view.Id, view.ModSeq).ConfigureAwait(false);
        var exists = view.Exists;
        var newKeywords = false;
        var flagUpdates = new List<MailboxMessage>();
        foreach (var message in changed)
        {
            foreach (var keyword in message.Keywords)
            {
                newKeywords |= view.Keywords.Add(keyword) && !IsSystemKeyword(keyword);
            }

            if (view.Messages.TryGetValue(message.Uid, out var known))
            {
                if (known.ModSeq != message.ModSeq)
                {
                    view.Messages[message.Uid] = (message.Keywords, message.ModSeq);
                    if (!known.Keywords.SequenceEqual(message.Keywords) || condStore)
                    {
                        flagUpdates.Add(message);
                    }
                }
            }
            else if (message.Uid > view.MaxUid)
            {
                view.Add(message.Uid, message.Keywords, message.ModSeq);
                if (!view.ReadOnly && RecentTracker.Claim(Account.AccountId, view.Id, message.Uid) < message.Uid)
                {
                    view.Recent.Add(message.Uid);
                }
            }
        }

        if (newKeywords)
        {
            Send($"* FLAGS ({FlagList(view)})");
        }

        if (view.Exists != exists)
        {
            Send($"* {view.Exists} EXISTS");
            if (!rev2)
            {
                Send($"* {view.Recent.Count} RECENT");
            }
        }

        foreach (var message in flagUpdates)
        {
            var sequence = view.SequenceOf(message.Uid);
            if (sequence > 0)
            {
                Send($"* {sequence} FETCH (UID {message.Uid} FLAGS ({Flags(message.Keywords, message.Uid)}){(condStore ? $" MODSEQ ({message.ModSeq})" : string.Empty)})");
            }
        }

        view.ModSeq = Math.Max(view.ModSeq, mailbox.HighestModSeq);
    }

    private void ReportExpunged(SelectedMailbox view, IReadOnlyList<uint> uids)
    {
        var gone = uids.Where(view.Messages.ContainsKey).ToList();
        if (gone.Count == 0)
        {
            return;
        }

        if (qresync)
        {
            foreach (var uid in gone)
            {
                view.Uids.RemoveAt(view.Uids.BinarySearch(uid));
                view.Messages.Remove(uid);
                view.Recent.Remove(uid);
            }

            Send($"* VANISHED {UidSet(gone)}");
            return;
        }

        // Highest first, so that each number is still valid when the client applies it.
        foreach (var uid in gone.OrderDescending())
        {
            var index = view.Uids.BinarySearch(uid);
            Send($"* {index + 1} EXPUNGE");
            view.Uids.RemoveAt(index);
            view.Messages.Remove(uid);
            view.Recent.Remove(uid);
        }
    }

    private async ValueTask IdleAsync(CancellationToken stopping)
    {
        Send("+ idling");
        await SyncAsync(allowExpunge: true).ConfigureAwait(false);
        await FlushAsync().ConfigureAwait(false);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(stopping, connection.Aborted);
        limit.CancelAfter(options.IdleTimeout);
        var input = connection.Input;
        var read = input.ReadAsync(limit.Token).AsTask();
        try
        {
            while (true)
            {
                var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                Volatile.Write(ref changeWaiter, waiter);
                if (Volatile.Read(ref changeSignal) == 1 || (notifyGroups is not null && Volatile.Read(ref notifySignal) == 1))
                {
                    await SyncAsync(allowExpunge: true).ConfigureAwait(false);
                    await NotifyAsync(allowExpunge: true).ConfigureAwait(false);
                    await FlushAsync().ConfigureAwait(false);
                }

                var done = await Task.WhenAny(read, waiter.Task).ConfigureAwait(false);
                if (done != read)
                {
                    continue;
                }

                System.IO.Pipelines.ReadResult result;
                try
                {
                    result = await read.ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!stopping.IsCancellationRequested && !connection.Aborted.IsCancellationRequested)
                {
                    throw new TimeoutException("IDLE lasted longer than the idle timeout.");
                }

                var buffer = result.Buffer;
                var lineFeed = buffer.PositionOf((byte)'\n');
                if (lineFeed is null)
                {
                    if (result.IsCompleted)
                    {
                        input.AdvanceTo(buffer.End);
                        throw new IOException("The client closed the connection during IDLE.");
                    }

                    if (buffer.Length > 1024)
                    {
                        input.AdvanceTo(buffer.End);
                        Error($"{tag} BAD Expected DONE");
                        return;
                    }

                    input.AdvanceTo(buffer.Start, buffer.End);
                    read = input.ReadAsync(limit.Token).AsTask();
                    continue;
                }

                var line = Encoding.ASCII.GetString(buffer.Slice(0, lineFeed.Value)).TrimEnd('\r');
                input.AdvanceTo(buffer.GetPosition(1, lineFeed.Value));
                if (line.Equals("DONE", StringComparison.OrdinalIgnoreCase))
                {
                    await SyncAsync(allowExpunge: true).ConfigureAwait(false);
                    Ok("IDLE terminated");
                }
                else
                {
                    Error($"{tag} BAD Expected DONE");
                }

                return;
            }
        }
        finally
        {
            Volatile.Write(ref changeWaiter, null);
        }
    }

    private async ValueTask CloseAsync(bool expunge)
    {
        var view = Selected;
        if (expunge && !view.ReadOnly)
        {
            try
            {
                await Account.ExpungeAsync(view.Id).ConfigureAwait(false);
            }
            catch (MailException ex) when (ex.Code == MailErrorCode.NotPermitted)
            {
                // Without the right e a CLOSE closes without expunging (RFC 4314 §4).
            }
        }

        selected = null;
        state = ImapState.Authenticated;
        Ok($"{(expunge ? "CLOSE" : "UNSELECT")} completed");
    }

    private async ValueTask ExpungeAsync(ImapParser parser, bool uid)
    {
        var view = Selected;
        IReadOnlyCollection<uint>? uids = null;
        if (uid)
        {
            parser.ExpectSpace();
            uids = ResolveSet(SequenceSet.Parse(parser.ReadAtom()), uid: true);
        }

        parser.ExpectEnd();
        RequireWritable(view);

        var expunged = await Account.ExpungeAsync(view.Id, uids).ConfigureAwait(false);
        ReportExpunged(view, expunged);
        await SyncAsync(allowExpunge: true).ConfigureAwait(false);
        Ok($"{(condStore ? $"[HIGHESTMODSEQ {view.ModSeq}] " : string.Empty)}EXPUNGE completed");
    }

    /// <summary>
    /// The UIDs a sequence set names: UIDs present in the mailbox for a UID set, the UIDs of those sequence numbers
    /// otherwise (a number beyond the last message is a BAD).
    /// </summary>
    private List<uint> ResolveSet(SequenceSet set, bool uid)
    {
        var view = Selected;
        if (set.IsSaved)
        {
            return uid ? [.. view.Saved] : [.. view.Saved.Where(u => view.SequenceOf(u) > 0)];
        }

        var result = new List<uint>();
        if (uid)
        {
            var star = view.MaxUid;
            foreach (var (first, last) in set.Ranges)
            {
                var a = first == uint.MaxValue ? star : first;
                var b = last == uint.MaxValue ? star : last;
                if (a > b)
                {
                    (a, b) = (b, a);
                }

                var start = view.Uids.BinarySearch(a);
                for (var i = start < 0 ? ~start : start; i < view.Uids.Count && view.Uids[i] <= b; i++)
                {
                    result.Add(view.Uids[i]);
                }
            }
        }
        else
        {
            var exists = view.Exists;
            if (set.Max(exists) > exists || exists == 0)
            {
                throw new ImapParseException(exists == 0 ? "No messages in the mailbox" : "Invalid message sequence number");
            }

            foreach (var (first, last) in set.Ranges)
            {
                var a = first == uint.MaxValue ? exists : first;
                var b = last == uint.MaxValue ? exists : last;
                if (a > b)
                {
                    (a, b) = (b, a);
                }

                for (var n = a; n <= b; n++)
                {
                    result.Add(view.Uids[(int)n - 1]);
                }
            }
        }

        if (set.Ranges.Count > 1)
        {
            result.Sort();
            result = [.. result.Distinct()];
        }

        return result;
    }
}
