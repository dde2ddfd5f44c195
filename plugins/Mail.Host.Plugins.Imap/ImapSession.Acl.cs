using System.Text;
using Mail.Host.Directory;
using Mail.Host.Mail;

namespace Mail.Host.Plugins.Imap;

/// <summary>
/// Access control (RFC 4314, with RIGHTS=texk): SETACL, DELETEACL, GETACL, LISTRIGHTS and MYRIGHTS, and the other
/// users' namespace in which mailboxes shared with the user appear.
/// </summary>
internal sealed partial class ImapSession
{
    /// <summary>The rights letters in the order of <see cref="MailboxRights"/>' bits.</summary>
    private const string RightLetters = "lrswipkxtea";

    /// <summary>The NAMESPACE response: personal, other users', no shared namespace.</summary>
    private string NamespaceResponse()
    {
        var separator = Engine.HierarchySeparator;
        return $"* NAMESPACE ((\"\" \"{separator}\")) ((\"{ImapMailAccount.OtherUsers}{separator}\" \"{separator}\")) NIL";
    }

    /// <summary>The rights as IMAP letters, in the order RFC 4314 lists them.</summary>
    private static string RightsText(MailboxRights rights)
    {
        var builder = new StringBuilder(RightLetters.Length);
        for (var i = 0; i < RightLetters.Length; i++)
        {
            if (((int)rights & (1 << i)) != 0)
            {
                builder.Append(RightLetters[i]);
            }
        }

        return builder.ToString();
    }

    /// <summary>Parses rights letters; the obsolete <c>c</c> stands for <c>k</c> and <c>d</c> for <c>xte</c> (RFC 4314 §2.1.1).</summary>
    private static MailboxRights ParseRights(string text)
    {
        var rights = MailboxRights.None;
        foreach (var c in text)
        {
            var index = RightLetters.IndexOf(c, StringComparison.Ordinal);
            rights |= c switch
            {
                'c' => MailboxRights.CreateMailbox,
                'd' => MailboxRights.DeleteMailbox | MailboxRights.DeleteMessages | MailboxRights.Expunge,
                _ when index >= 0 => (MailboxRights)(1 << index),
                _ => throw new ImapParseException($"'{c}' is not a right this server knows (RIGHTS=texk: {RightLetters})"),
            };
        }

        return rights;
    }

    /// <summary>
    /// The user's rights on a mailbox being selected: every right on its own mailboxes, the granted ones on a shared
    /// mailbox. Selecting needs the right r (RFC 4314 §4); without l the mailbox was not found at all.
    /// </summary>
    private async ValueTask<MailboxRights> SelectRightsAsync(Mailbox mailbox)
    {
        if (!ImapMailAccount.IsShared(mailbox.Id))
        {
            return MailboxRights.All;
        }

        var rights = await Account.GetMyRightsAsync(mailbox.Id).ConfigureAwait(false);
        return (rights & MailboxRights.Read) != 0 ? rights : throw new ImapNoException("Selecting this mailbox needs the right r", "NOPERM");
    }

    /// <summary>Whether the rights allow any change to the selected mailbox: s, w, i, t or e (RFC 4314 §4, SELECT).</summary>
    private static bool CanChange(MailboxRights rights)
        => (rights & (MailboxRights.Seen | MailboxRights.Write | MailboxRights.Insert | MailboxRights.DeleteMessages | MailboxRights.Expunge)) != 0;

    /// <summary>The PERMANENTFLAGS the rights allow: \Seen needs s, \Deleted t, the other flags and new keywords w.</summary>
    private static string PermanentFlags(MailboxRights rights)
    {
        var flags = new List<string>(7);
        if ((rights & MailboxRights.Write) != 0)
        {
            flags.Add("\\Answered");
            flags.Add("\\Flagged");
        }

        if ((rights & MailboxRights.DeleteMessages) != 0)
        {
            flags.Add("\\Deleted");
        }

        if ((rights & MailboxRights.Seen) != 0)
        {
            flags.Add("\\Seen");
        }

        if ((rights & MailboxRights.Write) != 0)
        {
            flags.Add("\\Draft");
            flags.Add("\\*");
        }

        return string.Join(' ', flags);
    }

    /// <summary>Refuses a change to a read-only selected mailbox: READ-ONLY when EXAMINEd, NOPERM when the rights allow no change.</summary>
    private static void RequireWritable(SelectedMailbox view)
    {
        if (view.ReadOnlyByRights)
        {
            throw new ImapNoException("The rights on this mailbox allow no change", "NOPERM");
        }

        if (view.ReadOnly)
        {
            throw new ImapNoException("The mailbox is read-only", "READ-ONLY");
        }
    }

    private async ValueTask AclAsync(string name, ImapParser parser)
    {
        parser.ExpectSpace();
        var mailboxName = ReadMailboxName(parser);
        string? identifier = null;
        string? rightsText = null;
        if (name is "SETACL" or "DELETEACL" or "LISTRIGHTS")
        {
            parser.ExpectSpace();
            identifier = parser.ReadAString();
            if (name == "SETACL")
            {
                parser.ExpectSpace();
                rightsText = parser.ReadAString();
            }
        }

        parser.ExpectEnd();
        var mailbox = await FindMailboxAsync(mailboxName).ConfigureAwait(false);
        var quotedName = MailboxAString(mailbox.Name);
        switch (name)
        {
            case "GETACL":
                var entries = await Account.GetAclAsync(mailbox.Id).ConfigureAwait(false);
                var line = new StringBuilder("* ACL ").Append(quotedName);
                foreach (var entry in entries)
                {
                    line.Append(' ').AppendAString(entry.Identifier, Utf8Names).Append(' ').AppendAString(RightsText(entry.Rights), Utf8Names);
                }

                Send(line.ToString());
                Ok("GETACL completed");
                break;
            case "MYRIGHTS":
                var mine = await Account.GetMyRightsAsync(mailbox.Id).ConfigureAwait(false);
                Send(new StringBuilder("* MYRIGHTS ").Append(quotedName).Append(' ').AppendAString(RightsText(mine), Utf8Names).ToString());
                Ok("MYRIGHTS completed");
                break;
            case "LISTRIGHTS":
                // Only an administrator of the mailbox may learn about others' rights (RFC 4314 §4).
                if ((await Account.GetMyRightsAsync(mailbox.Id).ConfigureAwait(false) & MailboxRights.Administer) == 0)
                {
                    throw new ImapNoException("LISTRIGHTS needs the right a on the mailbox", "NOPERM");
                }

                var owner = (await Account.GetAclAsync(mailbox.Id).ConfigureAwait(false))[0].Identifier;
                var isOwner = string.Equals(identifier, owner, StringComparison.OrdinalIgnoreCase);
                var rights = new StringBuilder("* LISTRIGHTS ").Append(quotedName).Append(' ').AppendAString(identifier!, Utf8Names);
                rights.Append(' ').AppendAString(isOwner ? RightLetters : string.Empty, Utf8Names);
                if (!isOwner)
                {
                    foreach (var letter in RightLetters)
                    {
                        rights.Append(' ').Append(letter);
                    }
                }

                Send(rights.ToString());
                Ok("LISTRIGHTS completed");
                break;
            case "SETACL":
            case "DELETEACL":
                var principalName = await AclIdentifierAsync(identifier!).ConfigureAwait(false);
                if (name == "DELETEACL")
                {
                    await Account.DeleteAclAsync(mailbox.Id, principalName).ConfigureAwait(false);
                }
                else
                {
                    var text = rightsText!;
                    var mode = text.Length > 0 && text[0] is '+' or '-' ? text[0] : ' ';
                    var given = ParseRights(mode == ' ' ? text : text[1..]);
                    var current = MailboxRights.None;
                    if (mode != ' ')
                    {
                        var existing = (await Account.GetAclAsync(mailbox.Id).ConfigureAwait(false))
                            .FirstOrDefault(e => string.Equals(e.Identifier, principalName, StringComparison.OrdinalIgnoreCase));
                        current = existing?.Rights ?? MailboxRights.None;
                    }

                    var wanted = mode switch
                    {
                        '+' => current | given,
                        '-' => current & ~given,
                        _ => given,
                    };
                    await Account.SetAclAsync(mailbox.Id, principalName, wanted).ConfigureAwait(false);
                }

                Ok($"{name} completed");
                break;
        }
    }

    /// <summary>
    /// Maps an ACL identifier to what the engine keeps: <c>anyone</c>; the login name of a principal found in the
    /// directory by name or by one of its addresses; <c>$name</c> for a directory group, named <c>$name</c>,
    /// <c>$name@domain</c> (its address), by its address or by its name, whose members get the rights through their
    /// membership when they use them; each may follow a <c>-</c> for negative rights (RFC 4314 §2). Unknown names are
    /// refused.
    /// </summary>
    private async ValueTask<string> AclIdentifierAsync(string identifier)
    {
        var negative = identifier.StartsWith('-');
        var sign = negative ? "-" : string.Empty;
        var name = negative ? identifier[1..] : identifier;
        if (string.Equals(name, MailboxAccessEntry.Anyone, StringComparison.OrdinalIgnoreCase))
        {
            return sign + MailboxAccessEntry.Anyone;
        }

        var group = name.StartsWith('$');
        if (group)
        {
            name = name[1..];
        }

        if (name.Length is 0 or > 256 || name.StartsWith('-') || name.StartsWith('$'))
        {
            throw new ImapNoException("No such user or group", "NONEXISTENT");
        }

        var principal = await listener.Directory.FindPrincipalAsync(name).ConfigureAwait(false);
        if (principal is null && name.Contains('@', StringComparison.Ordinal))
        {
            var resolved = await listener.Directory.ResolveRecipientAsync(name).ConfigureAwait(false);
            principal = resolved.Kind is RecipientKind.Individual or RecipientKind.Group ? resolved.Principal : null;
        }

        if (principal is null || (group && principal.Kind != PrincipalKind.Group))
        {
            throw new ImapNoException($"There is no {(group ? "group" : "user or group")} {(name.Length > 64 ? name[..64] : name)}", "NONEXISTENT");
        }

        return sign + (principal.Kind == PrincipalKind.Group ? "$" + principal.Name.ToLowerInvariant() : principal.Name);
    }

    /// <summary>
    /// LIST lines for the levels of the other users' namespace that are not mailboxes themselves
    /// (<c>Other Users</c>, <c>Other Users/owner</c>), so that a client walking the tree with <c>%</c> finds the shares.
    /// </summary>
    private IEnumerable<string> SharedParentLines(IReadOnlyList<Mailbox> mailboxes, IReadOnlyList<System.Text.RegularExpressions.Regex> patterns, string command)
    {
        if (Account is not ImapMailAccount composite)
        {
            yield break;
        }

        var separator = Engine.HierarchySeparator;
        var names = mailboxes.Select(m => m.Name).ToHashSet(StringComparer.Ordinal);
        var parents = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var mailbox in mailboxes)
        {
            if (!mailbox.Name.StartsWith(composite.Prefix, StringComparison.Ordinal))
            {
                continue;
            }

            parents.Add(ImapMailAccount.OtherUsers);
            var cut = mailbox.Name.IndexOf(separator, composite.Prefix.Length);
            if (cut > 0)
            {
                parents.Add(mailbox.Name[..cut]);
            }

            // A shared mailbox whose parent in the owner's account is not shared: the missing levels are listed too.
            for (var i = mailbox.Name.LastIndexOf(separator); i > composite.Prefix.Length; i = mailbox.Name.LastIndexOf(separator, i - 1))
            {
                parents.Add(mailbox.Name[..i]);
            }
        }

        foreach (var parent in parents)
        {
            if (!names.Contains(parent) && patterns.Any(p => p.IsMatch(parent)))
            {
                yield return $"* {command} (\\Noselect \\HasChildren) \"{separator}\" {MailboxAString(parent)}";
            }
        }
    }
}
