namespace Mail.Host.Plugins.Smtp.Authentication;

/// <summary>An SPF record that cannot be evaluated (result <c>permerror</c>).</summary>
internal sealed class SpfPermanentException : Exception
{
    public SpfPermanentException()
    {
    }

    public SpfPermanentException(string message)
        : base(message)
    {
    }

    public SpfPermanentException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
