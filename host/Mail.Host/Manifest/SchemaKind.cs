namespace Mail.Host.Manifest;

/// <summary>What a manifest key holds.</summary>
internal enum SchemaKind
{
    Value,
    Section,
    OpenSection,
    Map,
    Array,
}
