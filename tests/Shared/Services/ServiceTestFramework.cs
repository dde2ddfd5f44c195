using Xunit.Abstractions;
using Xunit.Sdk;

namespace Mail.Host.Tests.Services;

/// <summary>
/// The xUnit framework of a test assembly whose classes may need servers: it discovers tests as usual, except that
/// the tests of a class marked <see cref="RequiresEnvironmentAttribute"/> whose variable is not set are reported
/// skipped, with the reason, rather than run and failed.
/// </summary>
/// <param name="messageSink">The sink for diagnostic messages.</param>
public sealed class ServiceTestFramework(IMessageSink messageSink) : XunitTestFramework(messageSink)
{
    /// <inheritdoc />
    protected override ITestFrameworkDiscoverer CreateDiscoverer(IAssemblyInfo assemblyInfo)
        => new ServiceTestDiscoverer(assemblyInfo, SourceInformationProvider, DiagnosticMessageSink);
}
