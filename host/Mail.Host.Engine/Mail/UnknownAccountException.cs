namespace Mail.Host.Engine.Mail;

/// <summary>A write that must not create the account found none; delivery reports it as an unknown account.</summary>
internal sealed class UnknownAccountException : Exception
{
    public UnknownAccountException()
    {
    }

    public UnknownAccountException(string message)
        : base(message)
    {
    }

    public UnknownAccountException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
