using Microsoft.Extensions.Configuration;

namespace Mail.Host.Plugins.Settings;

/// <summary>
/// A secret (password, key) in a plugin's manifest section, given one of three ways so it need not sit in the
/// manifest: <c>NAME</c> inline, <c>NAMEFile</c> a file holding it (one trailing line break is dropped), or
/// <c>NAMEEnvironmentVariable</c> the name of an environment variable holding it (the names the SQL stores use too). The file wins over the variable, the variable over the
/// inline value.
/// </summary>
public static class SecretSetting
{
    /// <summary>The three keys a secret named <paramref name="name"/> may be given under.</summary>
    /// <param name="name">The secret's key, e.g. <c>Password</c>.</param>
    /// <returns><c>NAME</c>, <c>NAMEFile</c> and <c>NAMEEnvironmentVariable</c>.</returns>
    public static IReadOnlyList<string> Keys(string name) => [name, name + "File", name + "EnvironmentVariable"];

    /// <summary>Reads the secret, adding a problem that names the key and the fix when it cannot be read.</summary>
    /// <param name="section">The plugin's section.</param>
    /// <param name="name">The secret's key, e.g. <c>Password</c>.</param>
    /// <param name="prefix">The section's path for messages, e.g. <c>Stores:cache</c>.</param>
    /// <param name="problems">Where problems are added.</param>
    /// <param name="resolvePath">Resolves a relative file path against the manifest's folder.</param>
    /// <returns>The secret, or <see langword="null"/> when none is given or it could not be read.</returns>
    public static string? Read(IConfiguration section, string name, string prefix, List<string> problems, Func<string, string> resolvePath)
    {
        ArgumentNullException.ThrowIfNull(section);
        ArgumentNullException.ThrowIfNull(problems);
        ArgumentNullException.ThrowIfNull(resolvePath);
        if (section[name + "File"] is { Length: > 0 } file)
        {
            var path = resolvePath(file);
            try
            {
                var text = File.ReadAllText(path);
                return text.EndsWith("\r\n", StringComparison.Ordinal) ? text[..^2] : text.EndsWith('\n') ? text[..^1] : text;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                problems.Add($"{prefix}:{name}File '{path}' cannot be read: {ex.Message}");
                return null;
            }
        }

        if (section[name + "EnvironmentVariable"] is { Length: > 0 } variable)
        {
            var value = Environment.GetEnvironmentVariable(variable);
            if (value is null)
            {
                problems.Add($"{prefix}:{name}EnvironmentVariable names the environment variable {variable}, which is not set: set it, or give {prefix}:{name}File instead.");
            }

            return value;
        }

        return section[name];
    }
}
