using MimeKit;

namespace Mail.Host.Benchmarks.Generation;

/// <summary>A correspondent of the generated mail.</summary>
internal sealed record Person(string FirstName, string LastName, string Address, string Company)
{
    public string DisplayName => FirstName + " " + LastName;

    public MailboxAddress ToMailbox() => new(DisplayName, Address);
}
