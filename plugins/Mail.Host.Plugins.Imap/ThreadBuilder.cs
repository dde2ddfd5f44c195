using System.Text;
using System.Text.RegularExpressions;

namespace Mail.Host.Plugins.Imap;

/// <summary>The THREAD algorithms of RFC 5256: ORDEREDSUBJECT and REFERENCES.</summary>
internal static partial class ThreadBuilder
{
    /// <summary>One message to thread: its number in the response, subject, sent date, Message-ID and references.</summary>
    public sealed record Entry(uint Number, string Subject, DateTimeOffset Date, string? MessageId, IReadOnlyList<string> References);

    public static string OrderedSubject(IReadOnlyList<Entry> entries)
    {
        var groups = entries
            .OrderBy(e => BaseSubject(e.Subject), StringComparer.Ordinal).ThenBy(e => e.Date).ThenBy(e => e.Number)
            .GroupBy(e => BaseSubject(e.Subject))
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
            SortChildren(root);
        }

        var output = new StringBuilder();
        foreach (var root in pruned.OrderBy(Date).ThenBy(FirstNumber))
        {
            output.Append('(').Append(Format(root)).Append(')');
        }

        return output.ToString();
    }

    /// <summary>The base subject (RFC 5256 §2.1), for grouping: without Re:, Fwd:, [blobs] and (fwd) trailers.</summary>
    public static string BaseSubject(string subject)
    {
        var text = Whitespace().Replace(subject, " ").Trim();
        while (true)
        {
            var before = text;
            while (text.EndsWith("(fwd)", StringComparison.OrdinalIgnoreCase))
            {
                text = text[..^5].TrimEnd();
            }

            var match = Leader().Match(text);
            if (match.Success && match.Length < text.Length)
            {
                text = text[match.Length..].TrimStart();
            }

            if (text.StartsWith("[fwd:", StringComparison.OrdinalIgnoreCase) && text.EndsWith(']'))
            {
                text = text[5..^1].Trim();
            }

            if (text == before)
            {
                break;
            }
        }

        return text.ToUpperInvariant();
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

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"^(\[[^\[\]]*\]\s*)*((re|fwd?)\s*(\[[^\[\]]*\])?\s*:\s*)+", RegexOptions.IgnoreCase)]
    private static partial Regex Leader();

    private sealed class Node
    {
        public Entry? Entry { get; set; }

        public Node? Parent { get; set; }

        public List<Node> Children { get; } = [];
    }
}
