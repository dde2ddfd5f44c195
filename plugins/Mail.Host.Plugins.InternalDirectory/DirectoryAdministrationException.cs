namespace Mail.Host.Plugins.InternalDirectory;

/// <summary>A change to the internal directory was refused; the message says why and what to do, for an administrator.</summary>
public sealed class DirectoryAdministrationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public DirectoryAdministrationException()
        : this(DirectoryErrorKind.Invalid, "The change was refused.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">Why the change was refused.</param>
    public DirectoryAdministrationException(string message)
        : this(DirectoryErrorKind.Invalid, message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    /// <param name="message">Why the change was refused.</param>
    /// <param name="innerException">The cause.</param>
    public DirectoryAdministrationException(string message, Exception innerException)
        : base(message, innerException)
    {
        Kind = DirectoryErrorKind.Invalid;
    }

    /// <summary>Creates the exception with its kind and message.</summary>
    /// <param name="kind">Why, as a category.</param>
    /// <param name="message">Why, for an administrator.</param>
    public DirectoryAdministrationException(DirectoryErrorKind kind, string message)
        : base(message)
    {
        Kind = kind;
    }

    /// <summary>Why, as a category: invalid input, not found, or a conflict.</summary>
    public DirectoryErrorKind Kind { get; }
}
