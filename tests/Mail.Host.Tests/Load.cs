using Mail.Host.Manifest;
using Mail.Host.Startup;
using Xunit;

namespace Mail.Host.Tests;

/// <summary>Loads manifests with an explicit environment, so the tests never see the real one.</summary>
internal static class Load
{
    public static HostManifest Manifest(string path, params (string Name, string? Value)[] environment)
        => ManifestLoader.Load(path, environment.ToDictionary(e => e.Name, e => e.Value, StringComparer.Ordinal));

    /// <summary>Loads a manifest that must be rejected and returns every problem reported.</summary>
    public static IReadOnlyList<StartupProblem> Problems(string path, params (string Name, string? Value)[] environment)
        => Assert.Throws<StartupException>(() => Manifest(path, environment)).Problems;
}
