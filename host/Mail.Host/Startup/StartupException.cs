namespace Mail.Host.Startup;

/// <summary>Stops the start with every problem found; the CLI prints them and exits non-zero.</summary>
internal sealed class StartupException : Exception
{
    public StartupException(IReadOnlyList<StartupProblem> problems)
        : base(string.Join(Environment.NewLine, problems.Select(p => p.Message)))
    {
        Problems = problems;
    }

    public StartupException(StartupProblem problem)
        : this([problem])
    {
    }

    public IReadOnlyList<StartupProblem> Problems { get; }
}
