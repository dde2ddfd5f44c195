using Xunit;
using Mail.Host.Plugins.Smtp;

namespace Mail.Host.Plugins.Tests.Smtp;

public sealed class SmtpPathTests
{
    [Theory]
    [InlineData("FROM:<a@example.org>", "a@example.org", 0)]
    [InlineData("FROM: <a@example.org> SIZE=100 BODY=8BITMIME", "a@example.org", 2)]
    [InlineData("FROM:<>", "", 0)]
    [InlineData("from:<@relay.test,@other.test:a@example.org>", "a@example.org", 0)]
    [InlineData("FROM:<\"john doe\"@example.org> SMTPUTF8", "\"john doe\"@example.org", 1)]
    [InlineData("FROM:<j\u00f6rg@b\u00fccher.example>", "j\u00f6rg@b\u00fccher.example", 0)]
    public void Valid_paths_parse(string argument, string address, int parameters)
    {
        var path = SmtpPath.Parse(argument, "FROM:");
        Assert.NotNull(path);
        Assert.Equal(address, path.Address);
        Assert.Equal(parameters, path.Parameters.Count);
    }

    [Theory]
    [InlineData("FROM:<a@example.org")]
    [InlineData("FROM:<a@example.org>SIZE=1")]
    [InlineData("TO:<a@example.org>")]
    [InlineData("FROM:<a>")]
    [InlineData("FROM:<a b@example.org>")]
    [InlineData("FROM:<a@exa mple.org>")]
    [InlineData("FROM:<a@example.org> SIZE=1 SIZE=2")]
    [InlineData("FROM:<@example.org>")]
    public void Invalid_paths_are_refused(string argument) => Assert.Null(SmtpPath.Parse(argument, "FROM:"));
}
