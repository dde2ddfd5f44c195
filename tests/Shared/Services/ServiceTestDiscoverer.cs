using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Mail.Host.Tests.Services;

/// <summary>Discovers tests, reporting those of a class whose server is not configured as skipped.</summary>
/// <param name="assemblyInfo">The test assembly.</param>
/// <param name="sourceProvider">Where source locations come from.</param>
/// <param name="diagnosticMessageSink">The sink for diagnostic messages.</param>
internal sealed class ServiceTestDiscoverer(IAssemblyInfo assemblyInfo, ISourceInformationProvider sourceProvider, IMessageSink diagnosticMessageSink)
    : XunitTestFrameworkDiscoverer(assemblyInfo, sourceProvider, diagnosticMessageSink)
{
    /// <inheritdoc />
    protected override bool FindTestsForMethod(ITestMethod testMethod, bool includeSourceInformation, IMessageBus messageBus, ITestFrameworkDiscoveryOptions discoveryOptions)
    {
        var requirement = testMethod.TestClass.Class.GetCustomAttributes(typeof(RequiresEnvironmentAttribute)).FirstOrDefault();
        if (requirement is null || !testMethod.Method.GetCustomAttributes(typeof(FactAttribute)).Any())
        {
            return base.FindTestsForMethod(testMethod, includeSourceInformation, messageBus, discoveryOptions);
        }

        var arguments = requirement.GetConstructorArguments().Cast<string>().ToArray();
        var attribute = new RequiresEnvironmentAttribute(arguments[0], arguments[1]);
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable(attribute.Variable)))
        {
            return base.FindTestsForMethod(testMethod, includeSourceInformation, messageBus, discoveryOptions);
        }

        var skipped = new XunitSkippedDataRowTestCase(
            DiagnosticMessageSink,
            discoveryOptions.MethodDisplayOrDefault(),
            discoveryOptions.MethodDisplayOptionsOrDefault(),
            testMethod,
            attribute.Reason);
        return ReportDiscoveredTestCase(skipped, includeSourceInformation, messageBus);
    }
}
