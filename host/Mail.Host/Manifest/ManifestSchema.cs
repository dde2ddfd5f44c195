namespace Mail.Host.Manifest;

/// <summary>Every key the host itself reads from the manifest. Keys below a plugin's, store's, directory's or listener's own section are checked by that plugin.</summary>
internal static class ManifestSchema
{
    public static SchemaNode Root { get; } = SchemaNode.Section(
        ("$schema", SchemaNode.Value),
        ("Server", SchemaNode.Section(
            ("Hostname", SchemaNode.Value),
            ("PluginsDirectory", SchemaNode.Value),
            ("DataDirectory", SchemaNode.Value),
            ("ShutdownTimeoutSeconds", SchemaNode.Value))),
        ("Http", SchemaNode.Section(
            ("Urls", SchemaNode.Array(SchemaNode.Value)),
            ("CertificatePath", SchemaNode.Value),
            ("KeyPath", SchemaNode.Value))),
        ("Plugins", SchemaNode.Map(SchemaNode.Section(
            ("Enabled", SchemaNode.Value),
            ("Settings", SchemaNode.Open)))),
        ("Stores", SchemaNode.Map(SchemaNode.OpenSection(("Type", SchemaNode.Value)))),
        ("Roles", SchemaNode.Section(
            ("Data", SchemaNode.Value),
            ("Blob", SchemaNode.Value),
            ("FullText", SchemaNode.Value),
            ("Lookup", SchemaNode.Value))),
        ("Directories", SchemaNode.Map(SchemaNode.OpenSection(("Type", SchemaNode.Value)))),
        ("Authentication", SchemaNode.Section(
            ("Directory", SchemaNode.Value))),
        ("Listeners", SchemaNode.Map(SchemaNode.OpenSection(
            ("Protocol", SchemaNode.Value),
            ("Bind", SchemaNode.Array(SchemaNode.Value)),
            ("Tls", SchemaNode.Value)))),
        ("Mail", SchemaNode.Section(
            ("HierarchySeparator", SchemaNode.Value),
            ("ChangeRetentionDays", SchemaNode.Value),
            ("MaintenanceIntervalSeconds", SchemaNode.Value),
            ("PendingReferenceTimeoutSeconds", SchemaNode.Value),
            ("MaxMessageSizeBytes", SchemaNode.Value),
            ("NotificationPollMilliseconds", SchemaNode.Value),
            ("PerUserSeenInSharedMailboxes", SchemaNode.Value),
            ("GroupMembershipCacheSeconds", SchemaNode.Value))),
        ("Outbound", SchemaNode.Open),
        ("Logging", SchemaNode.Open));
}
