namespace Mail.Host.ImapTest;

/// <summary>
/// The format's default list directives, added to an expected untagged reply's lists that name none:
/// <c>LIST|LSUB ($!unordered)</c>, <c>STATUS box ($!unordered=2)</c>, <c>n FETCH ($!unordered=2)</c> and, inside it,
/// <c>FLAGS ($!unordered $!noextra $!ignore=\recent)</c> (plus $HasAttachment/$HasNoAttachment, which servers may set
/// on their own).
/// </summary>
internal static class DefaultDirectives
{
    public static List<ImapToken> Apply(List<ImapToken> args, string reply)
    {
        var result = new List<ImapToken>(args.Count);
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg.Kind != ImapTokenKind.List)
            {
                result.Add(arg);
                continue;
            }

            var items = arg.Items.ToList();
            if (reply == "fetch" && i == 2)
            {
                items = FetchItems(items);
            }

            if (HasDirectives(arg))
            {
                result.Add(ImapToken.List(items));
                continue;
            }

            if ((reply is "list" or "lsub") && i == 1)
            {
                items.Insert(0, Atom("$!unordered"));
            }
            else if (reply == "status" && i == 2)
            {
                items.Insert(0, Atom("$!unordered=2"));
            }
            else if (reply == "fetch" && i == 2)
            {
                items.Insert(0, Atom("$!unordered=2"));
            }

            result.Add(ImapToken.List(items));
        }

        return result;
    }

    private static List<ImapToken> FetchItems(List<ImapToken> items)
    {
        var result = new List<ImapToken>(items.Count);
        string? previousAtom = null;
        foreach (var item in items)
        {
            if (item.Kind == ImapTokenKind.Atom)
            {
                previousAtom = item.Text.ToLowerInvariant();
            }

            if (item.Kind == ImapTokenKind.List && previousAtom == "flags" && !HasDirectives(item))
            {
                result.Add(ImapToken.List(
                [
                    Atom("$!unordered"), Atom("$!noextra"), Atom("$!ignore=\\recent"),
                    Atom("$!ignore=$HasAttachment"), Atom("$!ignore=$HasNoAttachment"), .. item.Items,
                ]));
                continue;
            }

            result.Add(item);
        }

        return result;
    }

    private static bool HasDirectives(ImapToken list) =>
        list.Items.Count > 0 && list.Items[0].Kind == ImapTokenKind.Atom && list.Items[0].Text.StartsWith("$!", StringComparison.Ordinal);

    private static ImapToken Atom(string text) => ImapToken.Value(ImapTokenKind.Atom, text);
}
