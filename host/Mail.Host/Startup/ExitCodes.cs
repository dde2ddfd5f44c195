namespace Mail.Host.Startup;

/// <summary>The process exit codes, so scripts can tell a bad setup from a crash.</summary>
internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>The manifest or the plugin set is wrong; nothing was started.</summary>
    public const int ConfigurationError = 2;

    /// <summary>Something failed after the start.</summary>
    public const int RuntimeError = 1;
}
