using System.Globalization;

namespace Mail.Host.Benchmarks;

/// <summary>
/// Settings shared by the program and the processes BenchmarkDotNet starts for each benchmark. Those processes get
/// BenchmarkDotNet's own arguments only, so the settings travel as environment variables, which they inherit.
/// </summary>
internal static class BenchmarkSettings
{
    /// <summary>The variable holding the number of messages the full-text dataset is made of.</summary>
    public const string MessagesVariable = "MAILHOST_BENCH_MESSAGES";

    public const int DefaultMessages = 10_000;

    /// <summary>The number of messages loaded before the full-text queries are measured.</summary>
    public static int Messages
        => int.TryParse(Environment.GetEnvironmentVariable(MessagesVariable), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : DefaultMessages;
}
