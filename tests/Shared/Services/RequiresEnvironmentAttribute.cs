namespace Mail.Host.Tests.Services;

/// <summary>
/// Marks a test class that needs a server named by an environment variable (<c>MAILHOST_TEST_POSTGRES</c>, ...).
/// When the variable is not set, every test of the class, including those it inherits from the conformance kit,
/// is reported skipped with <see cref="Reason"/>; test.sh starts the servers and sets the variables.
/// </summary>
/// <param name="variable">The environment variable.</param>
/// <param name="server">What the variable points at, for the skip message.</param>
[AttributeUsage(AttributeTargets.Class, Inherited = true)]
public sealed class RequiresEnvironmentAttribute(string variable, string server) : Attribute
{
    /// <summary>The environment variable.</summary>
    public string Variable { get; } = variable;

    /// <summary>What the variable points at.</summary>
    public string Server { get; } = server;

    /// <summary>Why the tests are skipped when the variable is missing.</summary>
    public string Reason => $"{Variable} is not set, so there is no {Server} to test against; run ./test.sh (it starts the test servers) or scripts/services.sh start DIR and export the settings in DIR/services.env.";
}
