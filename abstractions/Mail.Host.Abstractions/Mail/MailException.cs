namespace Mail.Host.Mail;

/// <summary>An engine operation was refused for a reason a client can be told (<see cref="Code"/>); nothing was changed.</summary>
public class MailException : Exception
{
    /// <summary>Creates the exception.</summary>
    public MailException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What was refused.</param>
    public MailException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    /// <param name="message">What was refused.</param>
    /// <param name="innerException">The cause.</param>
    public MailException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a code and a message.</summary>
    /// <param name="code">Why it was refused.</param>
    /// <param name="message">What was refused.</param>
    public MailException(MailErrorCode code, string message)
        : base(message) => Code = code;

    /// <summary>Why the operation was refused.</summary>
    public MailErrorCode Code { get; }
}
