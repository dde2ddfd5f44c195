using Mail.Host.Directory;

namespace Acme.Directory;

/// <summary>
/// Opens directories of the type <c>acme-directory</c>, configured in the manifest as
/// <c>"Directories": { "people": { "Type": "acme-directory", "Path": "people.json" } }</c>: the principals and
/// domains are read from that JSON file (see <see cref="AcmeDirectoryFile"/>) when the server starts.
/// </summary>
public sealed class AcmeDirectoryProvider : IDirectoryProvider
{
    private static readonly string[] Settings = ["Type", "Path"];

    /// <inheritdoc />
    public string Type => "acme-directory";

    /// <inheritdoc />
    public IEnumerable<string> Validate(DirectoryContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        foreach (var setting in context.Settings.GetChildren())
        {
            if (!Settings.Contains(setting.Key, StringComparer.OrdinalIgnoreCase))
            {
                yield return $"Directories:{context.Name}:{setting.Key} is not a setting of an {Type} directory; the settings are {string.Join(", ", Settings)}.";
            }
        }

        if (string.IsNullOrWhiteSpace(context.Settings["Path"]))
        {
            yield return $"Directories:{context.Name}:Path is required: the JSON file of principals and domains, e.g. {context.Name}.json.";
        }
    }

    /// <inheritdoc />
    public ValueTask<IDirectory> OpenAsync(DirectoryContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var path = context.ResolvePath(context.Settings["Path"] ?? throw new InvalidOperationException($"Directories:{context.Name}:Path is required."));
        return ValueTask.FromResult<IDirectory>(new AcmeDirectory(AcmeDirectoryFile.Read(path)));
    }
}
