using Mail.Host.Conformance;
using Mail.Host.Directory;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Acme.Directory.Tests;

/// <summary>
/// The directory conformance kit: every test of <see cref="DirectoryConformance"/> runs against a directory file
/// written from the kit's data and opened through the provider the way the host opens it.
/// </summary>
public sealed class AcmeDirectoryConformanceTests : DirectoryConformance
{
    // Few iterations keep the kit's many logins fast; the file takes any iteration count.
    private const int TestIterations = 1_000;

    private readonly string folder = Path.Combine(Path.GetTempPath(), "acme-directory-tests-" + Guid.NewGuid().ToString("N"));

    /// <inheritdoc />
    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (System.IO.Directory.Exists(folder))
        {
            System.IO.Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Validate_requires_a_path()
    {
        var problems = new AcmeDirectoryProvider().Validate(Context(new() { ["Type"] = "acme-directory" })).ToList();

        Assert.Equal(["Directories:people:Path is required: the JSON file of principals and domains, e.g. people.json."], problems);
    }

    /// <inheritdoc />
    protected override async ValueTask<IDirectory> OpenDirectoryAsync(DirectoryConformanceData data)
    {
        System.IO.Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, "people.json");
        new AcmeDirectoryFile
        {
            Domains = [.. data.Domains],
            Principals = [.. data.Principals.Select(p => new AcmeDirectoryFile.Entry
            {
                Name = p.Name,
                Kind = p.Kind == PrincipalKind.Group ? "group" : "individual",
                DisplayName = p.DisplayName,
                Secret = data.Passwords.TryGetValue(p.Name, out var password) ? PasswordHash.Hash(password, TestIterations) : null,
                Addresses = [.. p.Addresses],
                Members = [.. p.Members],
                Roles = [.. p.Roles],
                QuotaBytes = p.QuotaBytes,
                QuotaMessages = p.QuotaMessages,
                Disabled = p.Disabled,
            })],
        }.Write(path);

        var context = Context(new() { ["Type"] = "acme-directory", ["Path"] = path });
        var provider = new AcmeDirectoryProvider();
        Assert.Empty(provider.Validate(context));
        return await provider.OpenAsync(context, CancellationToken.None);
    }

    private static DirectoryContext Context(Dictionary<string, string?> settings) => new()
    {
        Name = "people",
        Settings = new ConfigurationBuilder().AddInMemoryCollection(settings).Build(),
        BaseDirectory = Path.GetTempPath(),
        Services = new ServiceCollection().BuildServiceProvider(),
    };
}
