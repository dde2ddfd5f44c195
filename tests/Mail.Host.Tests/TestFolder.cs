using System.Text;

namespace Mail.Host.Tests;

/// <summary>A private folder under the system temp folder, deleted on dispose, with helpers to write manifests and plugin folders.</summary>
internal sealed class TestFolder : IDisposable
{
    public TestFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "mailhost-tests-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    /// <summary>The plugins folder a manifest written by <see cref="WriteManifest"/> points at by default.</summary>
    public string PluginsPath => System.IO.Path.Combine(Path, "plugins");

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    /// <summary>Writes a file (creating its folders) and returns its full path.</summary>
    public string Write(string relativePath, string text)
    {
        var full = Combine(relativePath);
        System.IO.Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        File.WriteAllText(full, text, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        return full;
    }

    public string WriteManifest(string json, string name = "mailhost.json") => Write(name, json);

    /// <summary>
    /// Writes plugins/<paramref name="folder"/>/plugin.json and an empty placeholder for its entry assembly
    /// (discovery only checks that the file exists; nothing is loaded).
    /// </summary>
    public string WritePlugin(
        string folder,
        string? id = null,
        string contractsVersion = "1.0.0",
        string stores = "",
        string directories = "",
        string protocols = "",
        bool withAssembly = true)
    {
        id ??= folder;
        var assembly = $"Test.Plugins.{folder}.dll";
        var descriptor = $$"""
            {
              "id": "{{id}}",
              "name": "Test plugin {{id}}",
              "version": "1.2.3",
              "contractsVersion": "{{contractsVersion}}",
              "assembly": "{{assembly}}",
              "provides": {
                "stores": { {{stores}} },
                "directories": [ {{directories}} ],
                "protocols": [ {{protocols}} ]
              }
            }
            """;
        var descriptorPath = Write(System.IO.Path.Combine("plugins", folder, "plugin.json"), descriptor);
        if (withAssembly)
        {
            File.WriteAllBytes(Combine("plugins", folder, assembly), []);
        }

        return descriptorPath;
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Path, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
