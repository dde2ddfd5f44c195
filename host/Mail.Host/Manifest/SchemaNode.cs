namespace Mail.Host.Manifest;

/// <summary>
/// The shape the host expects of one manifest key: a section whose child keys are fixed, a map of names the
/// operator chooses, an array, a plain value, or an open section whose keys belong to someone else (a plugin, the
/// logging framework) and are checked there.
/// </summary>
internal sealed class SchemaNode
{
    private SchemaNode(SchemaKind kind, IReadOnlyDictionary<string, SchemaNode>? children, SchemaNode? element)
    {
        Kind = kind;
        Children = children ?? new Dictionary<string, SchemaNode>(StringComparer.OrdinalIgnoreCase);
        Element = element;
    }

    public SchemaKind Kind { get; }

    /// <summary>For <see cref="SchemaKind.Section"/> and <see cref="SchemaKind.OpenSection"/>, the known child keys.</summary>
    public IReadOnlyDictionary<string, SchemaNode> Children { get; }

    /// <summary>For <see cref="SchemaKind.Map"/> and <see cref="SchemaKind.Array"/>, the shape of each entry.</summary>
    public SchemaNode? Element { get; }

    public static SchemaNode Value { get; } = new(SchemaKind.Value, null, null);

    public static SchemaNode Open { get; } = new(SchemaKind.OpenSection, null, null);

    public static SchemaNode Section(params (string Key, SchemaNode Node)[] children)
        => new(SchemaKind.Section, children.ToDictionary(c => c.Key, c => c.Node, StringComparer.OrdinalIgnoreCase), null);

    /// <summary>A section with some known keys whose other keys are not the host's to check.</summary>
    public static SchemaNode OpenSection(params (string Key, SchemaNode Node)[] children)
        => new(SchemaKind.OpenSection, children.ToDictionary(c => c.Key, c => c.Node, StringComparer.OrdinalIgnoreCase), null);

    public static SchemaNode Map(SchemaNode element) => new(SchemaKind.Map, null, element);

    public static SchemaNode Array(SchemaNode element) => new(SchemaKind.Array, null, element);

    /// <summary>The key as the schema spells it, for messages.</summary>
    public string? CanonicalKey(string key)
        => Children.Keys.FirstOrDefault(k => string.Equals(k, key, StringComparison.OrdinalIgnoreCase));
}
