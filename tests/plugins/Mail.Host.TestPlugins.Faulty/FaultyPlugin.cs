using Mail.Host.Plugins;
using Microsoft.Extensions.DependencyInjection;

namespace Mail.Host.TestPlugins.Faulty;

/// <summary>Throws while registering its services, so the host's handling of a broken plugin can be tested.</summary>
public sealed class FaultyPlugin : IMailHostPlugin
{
    /// <summary>The message of the exception <see cref="ConfigureServices"/> throws.</summary>
    public const string FailureMessage = "test-faulty fails on purpose while registering its services";

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">Always.</exception>
    public void ConfigureServices(IPluginContext context, IServiceCollection services)
        => throw new InvalidOperationException(FailureMessage);
}
