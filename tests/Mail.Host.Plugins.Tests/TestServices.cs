namespace Mail.Host.Plugins.Tests;

/// <summary>
/// The servers <c>scripts/services.sh</c> starts for the suite, found through the variables <c>./test.sh</c> exports.
/// A test of a server-backed plugin fails with this explanation rather than passing without its server.
/// </summary>
internal static class TestServices
{
    public static string Require(string variable)
        => Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{variable} is not set: this test needs its server. Run ./test.sh, or `scripts/services.sh start DIR` and export the variables in DIR/services.env.");
}
