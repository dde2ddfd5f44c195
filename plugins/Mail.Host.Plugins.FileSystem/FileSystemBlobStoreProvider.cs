using Mail.Host.Storage;

namespace Mail.Host.Plugins.FileSystem;

/// <summary>
/// Opens <c>filesystem</c> store instances: blobs kept as files in a local folder. The one setting, <c>Path</c>, names
/// the folder, absolute or relative to the manifest's folder; it is created when missing. A folder must be used by
/// one instance only.
/// </summary>
public sealed class FileSystemBlobStoreProvider : IStoreProvider
{
    /// <summary>The settings key that names the blob folder.</summary>
    public const string PathSetting = "Path";

    /// <inheritdoc />
    public string Type => "filesystem";

    /// <inheritdoc />
    public StoreRoles Roles => StoreRoles.Blob;

    /// <inheritdoc />
    public IEnumerable<string> Validate(StoreContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var problem = Resolve(context, out _);
        return problem is null ? [] : [problem];
    }

    /// <inheritdoc />
    public ValueTask<IStoreInstance> OpenAsync(StoreContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        cancellationToken.ThrowIfCancellationRequested();
        var problem = Resolve(context, out var root);
        if (problem is not null)
        {
            throw new InvalidOperationException(problem);
        }

        try
        {
            return ValueTask.FromResult<IStoreInstance>(new FileSystemStoreInstance(FileSystemBlobStore.Open(root)));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"Store '{context.Name}' cannot use the folder '{root}': {ex.Message}", ex);
        }
    }

    /// <summary>Finds the blob folder's full path, or the reason there is none.</summary>
    private static string? Resolve(StoreContext context, out string root)
    {
        root = string.Empty;
        var setting = $"Stores:{context.Name}:{PathSetting}";
        var path = context.Settings[PathSetting];
        if (string.IsNullOrWhiteSpace(path))
        {
            return $"Store '{context.Name}' has no folder: set {setting} to the folder that holds the blob files (absolute, or relative to the manifest's folder).";
        }

        try
        {
            root = context.ResolvePath(path);
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
        {
            return $"Store '{context.Name}': {setting} '{path}' is not a usable path: {ex.Message}";
        }

        if (File.Exists(root))
        {
            return $"Store '{context.Name}': {setting} '{root}' is a file; it must be a folder (one is created when missing).";
        }

        return null;
    }
}
