using System.Text;
using Mail.Host.Mail;

namespace Mail.Host.Plugins.Imap;

/// <summary>The THREAD algorithms of RFC 5256: ORDEREDSUBJECT and REFERENCES.</summary>
internal static class ThreadBuilder
{
    /// <summary>One message to thread: its number in the response, subject, sent date, Message-ID and references.</summary>
    public sealed record Entry(uint Number, string Subject, DateTimeOffset Date, string? MessageId, IReadOnlyList<string> References);

    public static string OrderedSubject(IReadOnlyList<Entry> entries)
    {
        var groups = entries
            .OrderBy(e => MailSortText.BaseSubject(e.Subject), StringComparer.Ordinal).ThenBy(e => e.Date).ThenBy(e => e.Number)
            .GroupBy(e => MailSortText.BaseSubject(e.Subject))
            .Select(g => g.ToList())
            .OrderBy(g => g[0].Date).ThenBy(g => g[0].Number);
        var output = new StringBuilder();
        foreach (var group in groups)
        {
            output.Append('(').Append(group[0].Number);
            if (group.Count == 2)
            {
                output.Append(' ').Append(group[1].Number);
            }
            else if (group.Count > 2)
            {
                output.Append(' ');
                foreach (var child in group.Skip(1))
                {
                    output.Append('(').Append(child.Number).Append(')');
                }
            }

            output.Append(')');
        }

        return output.ToString();
    }

    public static string References(IReadOnlyList<Entry> entries)
    {
        var byId = new Dictionary<string, Node>(StringComparer.Ordinal);
        var nodes = new List<Node>();
        foreach (var entry in entries)
        {
            Node node;
            var id = Normalize(entry.MessageId);
            if (id is not null && byId.TryGetValue(id, out var existing) && existing.Entry is null)
            {
                node = existing;
            }
            else
            {
                node = new Node();
                if (id is not null && !byId.ContainsKey(id))
                {
                    byId[id] = node;
                }
            }

            node.Entry = entry;
            nodes.Add(node);

            // Link the references in order, each the parent of the next, without making loops.
            Node? parent = null;
            foreach (var reference in entry.References)
            {
                var refId = Normalize(reference);
                if (refId is null)
                {
                    continue;
                }

                if (!byId.TryGetValue(refId, out var current))
                {
                    current = new Node();
                    byId[refId] = current;
                    nodes.Add(current);
                }

                if (parent is not null && current.Parent is null && current != parent && !IsAncestor(current, parent))
                {
                    Link(parent, current);
                }

                parent = current;
            }

            if (node.Parent is not null)
            {
                node.Parent.Children.Remove(node);
                node.Parent = null;
            }

            if (parent is not null && parent != node && !IsAncestor(node, parent))
            {
                Link(parent, node);
            }
        }

        var roots = nodes.Where(n => n.Parent is null).Distinct().ToList();
        var pruned = new List<Node>();
        foreach (var root in roots)
        {
            pruned.AddRange(Prune(root, isRoot: true));
        }

        foreach (var root in pruned)
        {
            root.Parent = null;
        }

        pruned = GroupBySubject(pruned);
        foreach (var root in pruned)
        {
            SortChildren(root);
        }

        var output = new StringBuilder();
        foreach (var root in pruned.OrderBy(Date).ThenBy(FirstNumber))
        {
            output.Append('(').Append(Format(root)).Append(')');
        }

        return output.ToString();
    }

    /// <summary>RFC 5256 REFERENCES step 5: root-level threads with the same base subject are gathered together.</summary>
    private static List<Node> GroupBySubject(List<Node> roots)
    {
        static string? SubjectOf(Node node, out bool reply)
        {
            reply = false;
            var entry = node.Entry ?? node.Children.FirstOrDefault()?.Entry;
            if (entry is null)
            {
                return null;
            }

            var subject = MailSortText.BaseSubject(entry.Subject, out reply);
            return subject.Length == 0 ? null : subject;
        }

        // B: the container each base subject belongs to; a dummy, then a message that is no reply, is preferred.
        var table = new Dictionary<string, Node>(StringComparer.Ordinal);
        foreach (var root in roots)
        {
            if (SubjectOf(root, out var reply) is not { } subject)
            {
                continue;
            }

            if (!table.TryGetValue(subject, out var existing))
            {
                table[subject] = root;
            }
            else if ((root.Entry is null && existing.Entry is not null)
                || (existing.Entry is not null && root.Entry is not null && !reply && IsReply(existing)))
            {
                table[subject] = root;
            }
        }

        // C: merge every other root with the same base subject into the table's container.
        var result = new List<Node>();
        var removed = new HashSet<Node>();
        foreach (var root in roots)
        {
            if (removed.Contains(root) || SubjectOf(root, out var reply) is not { } subject || !table.TryGetValue(subject, out var target) || target == root)
            {
                continue;
            }

            if (target.Entry is null && root.Entry is null)
            {
                foreach (var child in root.Children.ToList())
                {
                    Link(target, child);
                }

                root.Children.Clear();
                removed.Add(root);
            }
            else if (target.Entry is null)
            {
                Link(target, root);
                removed.Add(root);
            }
            else if (root.Entry is null)
            {
                Link(root, target);
                removed.Add(target);
                table[subject] = root;
            }
            else if (reply && !IsReply(target))
            {
                Link(target, root);
                removed.Add(root);
            }
            else
            {
                var dummy = new Node();
                Link(dummy, target);
                Link(dummy, root);
                removed.Add(target);
                removed.Add(root);
                table[subject] = dummy;
                result.Add(dummy);
            }
        }

        foreach (var root in roots)
        {
            if (!removed.Contains(root))
            {
                result.Add(root);
            }
        }

        foreach (var dummy in result.Where(r => removed.Contains(r)).ToList())
        {
            result.Remove(dummy);
        }

        return result;

        static bool IsReply(Node node)
        {
            MailSortText.BaseSubject(node.Entry?.Subject ?? string.Empty, out var reply);
            return reply;
        }
    }

    private static string? Normalize(string? id)
    {
        if (string.IsNullOrWhiteSpace(id))
        {
            return null;
        }

        return id.Trim().Trim('<', '>');
    }

    private static bool IsAncestor(Node candidate, Node node)
    {
        for (var current = node; current is not null; current = current.Parent)
        {
            if (current == candidate)
            {
                return true;
            }
        }

        return false;
    }

    private static void Link(Node parent, Node child)
    {
        child.Parent = parent;
        parent.Children.Add(child);
    }

    /// <summary>Removes empty containers, promoting their children (RFC 5256 REFERENCES step 4).</summary>
    private static List<Node> Prune(Node node, bool isRoot)
    {
        var children = new List<Node>();
        foreach (var child in node.Children.ToList())
        {
            children.AddRange(Prune(child, isRoot: false));
        }

        node.Children.Clear();
        foreach (var child in children)
        {
            Link(node, child);
        }

        if (node.Entry is not null)
        {
            return [node];
        }

        if (node.Children.Count == 0)
        {
            return [];
        }

        if (!isRoot || node.Children.Count == 1)
        {
            var promoted = node.Children.ToList();
            node.Children.Clear();
            return promoted;
        }

        return [node];
    }

    private static void SortChildren(Node node)
    {
        foreach (var child in node.Children)
        {
            SortChildren(child);
        }

        node.Children.Sort((a, b) =>
        {
            var byDate = Date(a).CompareTo(Date(b));
            return byDate != 0 ? byDate : FirstNumber(a).CompareTo(FirstNumber(b));
        });
    }

    private static DateTimeOffset Date(Node node) => node.Entry?.Date ?? (node.Children.Count > 0 ? node.Children.Min(Date) : DateTimeOffset.MaxValue);

    private static uint FirstNumber(Node node) => node.Entry?.Number ?? (node.Children.Count > 0 ? node.Children.Min(FirstNumber) : uint.MaxValue);

    private static string Format(Node node)
    {
        var output = new StringBuilder();
        var current = node;
        while (true)
        {
            if (current.Entry is not null)
            {
                if (output.Length > 0)
                {
                    output.Append(' ');
                }

                output.Append(current.Entry.Number);
            }

            if (current.Children.Count == 1)
            {
                current = current.Children[0];
                continue;
            }

            if (current.Children.Count > 1)
            {
                if (output.Length > 0)
                {
                    output.Append(' ');
                }

                foreach (var child in current.Children)
                {
                    output.Append('(').Append(Format(child)).Append(')');
                }
            }

            return output.ToString();
        }
    }

    private sealed class Node
    {
        public Entry? Entry { get; set; }

        public Node? Parent { get; set; }

        public List<Node> Children { get; } = [];
    }
}
