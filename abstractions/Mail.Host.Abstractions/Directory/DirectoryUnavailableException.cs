namespace Mail.Host.Directory;

/// <summary>
/// Thrown by a directory whose backend cannot be reached or failed transiently. Protocols answer with a temporary
/// failure and the operation can be retried.
/// </summary>
public class DirectoryUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public DirectoryUnavailableException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What failed.</param>
    public DirectoryUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="innerException">The backend's exception.</param>
    public DirectoryUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
