using Mail.Host.Directory;

namespace Mail.Host.Plugins.InMemory;

/// <summary>
/// Opens <c>static</c> directories: principals and domains written in the manifest, for small installations,
/// development and tests. The section looks like this (every key but <c>Type</c> optional):
/// <code>
/// "Directories": {
///   "local": {
///     "Type": "static",
///     "Domains": [ "example.org" ],
///     "Principals": [
///       {
///         "Name": "alice",
///         "Kind": "individual",
///         "Secret": "$argon2id$v=19$m=19456,t=2,p=1$&lt;salt&gt;$&lt;hash&gt;",
///         "DisplayName": "Alice Liddell",
///         "Addresses": [ "alice@example.org", "ally@example.org" ],
///         "Roles": [ "user" ],
///         "QuotaBytes": 1073741824,
///         "QuotaMessages": 0,
///         "Disabled": false
///       },
///       { "Name": "team", "Kind": "group", "Addresses": [ "team@example.org" ], "Members": [ "alice", "bob@example.org" ] }
///     ],
///     "CatchAll": { "example.org": "alice" }
///   }
/// }
/// </code>
/// Names and addresses compare regardless of case. A quota of 0 means no limit. Members and catch-all targets are
/// principal names or addresses of principals in the same directory.
/// </summary>
public sealed class StaticDirectoryProvider : IDirectoryProvider
{
    /// <inheritdoc />
    public string Type => "static";

    /// <inheritdoc />
    public IEnumerable<string> Validate(DirectoryContext context) => StaticDirectorySettings.Read(context).Problems;

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">The settings have problems; the message lists them all.</exception>
    public ValueTask<IDirectory> OpenAsync(DirectoryContext context, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var settings = StaticDirectorySettings.Read(context);
        if (settings.Problems.Count > 0)
        {
            throw new InvalidOperationException(
                $"The static directory '{context.Name}' cannot open: {string.Join(" ", settings.Problems)}");
        }

        return ValueTask.FromResult<IDirectory>(new StaticDirectory(settings));
    }
}
