using System.Text;
using Mail.Host.Mail;

namespace Mail.Host.Plugins.Imap;

/// <summary>
/// NOTIFY (RFC 5465): which mailboxes and events the client asked for, and the unsolicited responses for them, sent
/// while the session waits for a command, in IDLE and after commands. Changes come from the engine's notifications
/// (the path IDLE uses), so other sessions, SMTP delivery and other host processes are seen alike.
/// </summary>
internal sealed partial class ImapSession
{
    /// <summary>The most unsolicited responses one round may send before the client is told to resynchronize.</summary>
    private const int NotifyOverflowLines = 1000;

    private const string SupportedEvents = "MessageNew MessageExpunge FlagChange MailboxName SubscriptionChange MailboxMetadataChange ServerMetadataChange";

    private List<NotifyGroup>? notifyGroups;
    private Dictionary<ulong, Mailbox>? notifySnapshot;
    private int notifySignal;

    private enum NotifyFilter
    {
        Selected,
        SelectedDelayed,
        Inboxes,
        Personal,
        Subscribed,
        Subtree,
        Mailboxes,
    }

    private async ValueTask NotifyCommandAsync(ImapParser parser)
    {
        parser.ExpectSpace();
        var verb = parser.ReadAtom().ToUpperInvariant();
        if (verb == "NONE")
        {
            parser.ExpectEnd();
            notifyGroups = null;
            notifySnapshot = null;
            metadataSnapshot = null;
            Ok("NOTIFY completed");
            return;
        }

        if (verb != "SET")
        {
            throw new ImapParseException("Expected NOTIFY SET or NOTIFY NONE");
        }

        parser.ExpectSpace();
        var status = false;
        if (parser.Peek() != (byte)'(')
        {
            if (!parser.ReadAtom().Equals("STATUS", StringComparison.OrdinalIgnoreCase))
            {
                throw new ImapParseException("Expected STATUS or an event group");
            }

            status = true;
            parser.ExpectSpace();
        }

        var groups = new List<NotifyGroup>();
        string? badEvent = null;
        do
        {
            groups.Add(ReadNotifyGroup(parser, ref badEvent));
        }
        while (parser.TrySpace());

        parser.ExpectEnd();
        if (badEvent is not null)
        {
            Send($"{tag} NO [BADEVENT ({SupportedEvents})] The event {badEvent} is not supported");
            return;
        }

        notifyGroups = groups;
        var mailboxes = await Account.GetMailboxesAsync().ConfigureAwait(false);
        notifySnapshot = mailboxes.ToDictionary(m => m.Id);
        await SnapshotMetadataAsync(mailboxes).ConfigureAwait(false);
        if (status)
        {
            foreach (var mailbox in mailboxes)
            {
                if (selected?.Id != mailbox.Id && GroupFor(mailbox) is { MessageNew: true } group)
                {
                    Send(NotifyStatus(mailbox, group));
                }
            }
        }

        Ok("NOTIFY completed");
    }

    private NotifyGroup ReadNotifyGroup(ImapParser parser, ref string? badEvent)
    {
        parser.Expect('(');
        var filterName = parser.ReadAtom().ToUpperInvariant();
        var filter = filterName switch
        {
            "SELECTED" => NotifyFilter.Selected,
            "SELECTED-DELAYED" => NotifyFilter.SelectedDelayed,
            "INBOXES" => NotifyFilter.Inboxes,
            "PERSONAL" => NotifyFilter.Personal,
            "SUBSCRIBED" => NotifyFilter.Subscribed,
            "SUBTREE" => NotifyFilter.Subtree,
            "MAILBOXES" => NotifyFilter.Mailboxes,
            _ => throw new ImapParseException($"Unknown NOTIFY filter {(filterName.Length > 32 ? filterName[..32] : filterName)}"),
        };
        var group = new NotifyGroup(filter);
        parser.ExpectSpace();
        if (filter is NotifyFilter.Subtree or NotifyFilter.Mailboxes)
        {
            if (parser.Peek() == (byte)'(')
            {
                parser.ReadList(() => group.Names.Add(ReadMailboxName(parser).TrimEnd(Engine.HierarchySeparator)));
            }
            else
            {
                group.Names.Add(ReadMailboxName(parser).TrimEnd(Engine.HierarchySeparator));
            }

            parser.ExpectSpace();
        }

        if (parser.Peek() == (byte)'(')
        {
            var seen = badEvent;
            parser.ReadList(() =>
            {
                var name = parser.ReadAtom();
                switch (name.ToUpperInvariant())
                {
                    case "MESSAGENEW":
                        group.MessageNew = true;
                        if (parser.Peek() == (byte)' ' && parser.PeekNext() == (byte)'(')
                        {
                            parser.ExpectSpace();
                            parser.ReadList(() => AddFetchItem(group.FetchItems, parser.ReadAtom()));
                        }

                        break;
                    case "MESSAGEEXPUNGE":
                        group.MessageExpunge = true;
                        break;
                    case "FLAGCHANGE":
                        group.FlagChange = true;
                        break;
                    case "MAILBOXNAME":
                        group.MailboxName = true;
                        break;
                    case "SUBSCRIPTIONCHANGE":
                        group.SubscriptionChange = true;
                        break;
                    case "MAILBOXMETADATACHANGE":
                        group.MailboxMetadataChange = true;
                        break;
                    case "SERVERMETADATACHANGE":
                        group.ServerMetadataChange = true;
                        break;
                    default:
                        // AnnotationChange (per-message annotations, RFC 5257 ANNOTATE, which this server does not offer) and any other.
                        seen ??= name.Length > 40 ? name[..40] : name;
                        break;
                }
            });
            badEvent = seen;
        }
        else if (!parser.ReadAtom().Equals("NONE", StringComparison.OrdinalIgnoreCase))
        {
            throw new ImapParseException("Expected a list of events or NONE");
        }

        parser.Expect(')');

        // RFC 5465 §5: MessageNew and MessageExpunge come together, and FlagChange needs them.
        if (group.MessageNew != group.MessageExpunge)
        {
            throw new ImapParseException("MessageNew and MessageExpunge must be asked for together");
        }

        if (group.FlagChange && !group.MessageNew)
        {
            throw new ImapParseException("FlagChange needs MessageNew and MessageExpunge");
        }

        if (group.FetchItems.Count > 0 && filter is not (NotifyFilter.Selected or NotifyFilter.SelectedDelayed))
        {
            throw new ImapParseException("MessageNew fetch attributes apply to the selected mailbox only");
        }

        return group;
    }

    /// <summary>The event group for the selected mailbox, if the client asked for one.</summary>
    private NotifyGroup? SelectedGroup
        => notifyGroups?.FirstOrDefault(g => g.Filter is NotifyFilter.Selected or NotifyFilter.SelectedDelayed);

    /// <summary>The first event group whose filter covers a mailbox other than the selected one.</summary>
    private NotifyGroup? GroupFor(Mailbox mailbox)
    {
        if (notifyGroups is null)
        {
            return null;
        }

        var separator = Engine.HierarchySeparator;
        foreach (var group in notifyGroups)
        {
            var matches = group.Filter switch
            {
                NotifyFilter.Personal => true,
                NotifyFilter.Inboxes => mailbox.Role == MailboxRole.Inbox,
                NotifyFilter.Subscribed => mailbox.IsSubscribed,
                NotifyFilter.Mailboxes => group.Names.Any(n => SameName(n, mailbox.Name)),
                NotifyFilter.Subtree => group.Names.Any(n => SameName(n, mailbox.Name) || mailbox.Name.StartsWith(n + separator, StringComparison.Ordinal)),
                _ => false,
            };
            if (matches)
            {
                return group;
            }
        }

        return null;

        static bool SameName(string a, string b)
            => string.Equals(a, b, StringComparison.Ordinal)
               || (a.Equals("INBOX", StringComparison.OrdinalIgnoreCase) && b.Equals("INBOX", StringComparison.OrdinalIgnoreCase));
    }

    private string NotifyStatus(Mailbox mailbox, NotifyGroup group)
    {
        var line = new StringBuilder("* STATUS ").Append(MailboxAString(mailbox.Name))
            .Append(" (MESSAGES ").Append(mailbox.TotalMessages)
            .Append(" UIDNEXT ").Append(mailbox.UidNext)
            .Append(" UIDVALIDITY ").Append(mailbox.UidValidity);
        if (group.FlagChange)
        {
            line.Append(" HIGHESTMODSEQ ").Append(mailbox.HighestModSeq);
        }

        return line.Append(')').ToString();
    }

    /// <summary>
    /// Sends what changed since the last round: for the selected mailbox (when asked for) EXISTS, EXPUNGE and FETCH
    /// as a command would, with the MessageNew fetch attributes; for the others STATUS; LIST for mailboxes created,
    /// deleted, renamed or (un)subscribed. Called with the output lock held when a command may be being read.
    /// </summary>
    private async ValueTask NotifyAsync(bool allowExpunge)
    {
        if (notifyGroups is null || notifySnapshot is null)
        {
            return;
        }

        Interlocked.Exchange(ref notifySignal, 0);
        var lines = new List<string>();
        var current = (await Account.GetMailboxesAsync().ConfigureAwait(false)).ToDictionary(m => m.Id);
        var separator = Engine.HierarchySeparator;
        foreach (var (id, before) in notifySnapshot)
        {
            if (!current.TryGetValue(id, out var now))
            {
                if (GroupFor(before) is { MailboxName: true })
                {
                    lines.Add($"* LIST (\\NonExistent) \"{separator}\" {MailboxAString(before.Name)}");
                }

                continue;
            }

            var group = GroupFor(now) ?? GroupFor(before);
            if (now.Name != before.Name && group is { MailboxName: true })
            {
                lines.Add($"* LIST () \"{separator}\" {MailboxAString(now.Name)} (\"OLDNAME\" ({MailboxAString(before.Name)}))");
            }

            if (now.IsSubscribed != before.IsSubscribed && group is { SubscriptionChange: true })
            {
                lines.Add($"* LIST ({(now.IsSubscribed ? "\\Subscribed" : string.Empty)}) \"{separator}\" {MailboxAString(now.Name)}");
            }

            if (selected?.Id == id || group is null)
            {
                continue;
            }

            if (group.MessageNew && (now.TotalMessages != before.TotalMessages || now.UidNext != before.UidNext))
            {
                lines.Add(NotifyStatus(now, group));
            }
            else if (group.FlagChange && now.HighestModSeq != before.HighestModSeq)
            {
                lines.Add($"* STATUS {MailboxAString(now.Name)} (UIDVALIDITY {now.UidValidity} HIGHESTMODSEQ {now.HighestModSeq})");
            }
        }

        foreach (var (id, now) in current)
        {
            if (!notifySnapshot.ContainsKey(id) && GroupFor(now) is { MailboxName: true })
            {
                lines.Add($"* LIST () \"{separator}\" {MailboxAString(now.Name)}");
            }
        }

        notifySnapshot = current;
        await MetadataChangesAsync(current, lines).ConfigureAwait(false);
        if (lines.Count > NotifyOverflowLines)
        {
            // RFC 5465 §3.1: more than the session can report; the client resynchronizes and sets NOTIFY again.
            notifyGroups = null;
            notifySnapshot = null;
            Send("* OK [NOTIFICATIONOVERFLOW] Too many changes to report; NOTIFY is off until it is set again");
            return;
        }

        foreach (var line in lines)
        {
            Send(line);
        }

        if (selected is { } view && SelectedGroup is { } selectedGroup && (selectedGroup.MessageNew || selectedGroup.FlagChange))
        {
            var maxUid = view.MaxUid;
            await SyncAsync(allowExpunge: allowExpunge && selectedGroup.Filter == NotifyFilter.Selected).ConfigureAwait(false);
            if (selectedGroup.FetchItems.Count > 0 && view.MaxUid > maxUid)
            {
                await SendNewMessagesAsync(view, maxUid + 1, selectedGroup.FetchItems).ConfigureAwait(false);
            }
        }
    }

    /// <summary>MessageNew with fetch attributes: a FETCH for each message that arrived in the selected mailbox.</summary>
    private async ValueTask SendNewMessagesAsync(SelectedMailbox view, uint firstUid, List<FetchItem> items)
    {
        var messages = new List<MailboxMessage>();
        await foreach (var message in Account.GetMessagesAsync(view.Id, firstUid).ConfigureAwait(false))
        {
            messages.Add(message);
            if (messages.Count >= NotifyOverflowLines)
            {
                break;
            }
        }

        var fetchItems = items.Any(i => i.Kind == FetchKind.Uid) ? items : [new FetchItem(FetchKind.Uid), .. items];
        var emails = fetchItems.Any(i => i.NeedsMetadata || i.Kind is FetchKind.Section or FetchKind.Binary or FetchKind.BinarySize)
            ? (await Account.GetEmailsAsync([.. messages.Select(m => m.EmailId)]).ConfigureAwait(false)).ToDictionary(e => e.Id)
            : null;
        foreach (var message in messages)
        {
            var sequence = view.SequenceOf(message.Uid);
            Email? email = null;
            if (sequence == 0 || (emails is not null && !emails.TryGetValue(message.EmailId, out email)))
            {
                continue;
            }

            await WriteFetchAsync(sequence, message, email, fetchItems).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Waits for the next command while NOTIFY is on, sending notifications as changes arrive; the output is shared
    /// with the command reader, which may be inviting a literal meanwhile.
    /// </summary>
    private async ValueTask<(ImapReadStatus Status, ImapCommand? Command, string Tag)> ReadWithNotifyAsync(CancellationToken stopping)
    {
        var read = reader.ReadAsync(stopping).AsTask();
        try
        {
            while (true)
            {
                var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                Volatile.Write(ref changeWaiter, waiter);
                if (Volatile.Read(ref notifySignal) == 1 && notifyGroups is not null)
                {
                    await reader.OutputLock.WaitAsync(stopping).ConfigureAwait(false);
                    try
                    {
                        await NotifyAsync(allowExpunge: true).ConfigureAwait(false);
                        await FlushAsync().ConfigureAwait(false);
                    }
                    finally
                    {
                        reader.OutputLock.Release();
                    }
                }

                if (notifyGroups is null || await Task.WhenAny(read, waiter.Task).ConfigureAwait(false) == read)
                {
                    return await read.ConfigureAwait(false);
                }
            }
        }
        finally
        {
            Volatile.Write(ref changeWaiter, null);
        }
    }

    /// <summary>One event group of NOTIFY SET: a mailbox filter and the events asked for it.</summary>
    private sealed class NotifyGroup(NotifyFilter filter)
    {
        public NotifyFilter Filter { get; } = filter;

        public List<string> Names { get; } = [];

        public bool MessageNew { get; set; }

        public bool MessageExpunge { get; set; }

        public bool FlagChange { get; set; }

        public bool MailboxName { get; set; }

        public bool SubscriptionChange { get; set; }

        public bool MailboxMetadataChange { get; set; }

        public bool ServerMetadataChange { get; set; }

        public List<FetchItem> FetchItems { get; } = [];
    }
}
