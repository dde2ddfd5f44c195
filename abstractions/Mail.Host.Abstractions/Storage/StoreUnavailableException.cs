namespace Mail.Host.Storage;

/// <summary>
/// Thrown by a store whose backend cannot be reached or failed transiently. Protocols answer with a temporary
/// failure (SMTP 4xx, IMAP NO [UNAVAILABLE], JMAP serverUnavailable) and the operation can be retried.
/// </summary>
public class StoreUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public StoreUnavailableException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What failed.</param>
    public StoreUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="innerException">The backend's exception.</param>
    public StoreUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
