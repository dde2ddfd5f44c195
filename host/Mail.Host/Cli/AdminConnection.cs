using System.CommandLine;
using System.Text;
using Mail.Host.Startup;

namespace Mail.Host.Cli;

/// <summary>
/// The options every account, domain and group command takes to reach a running server's admin API, and the way
/// such a command runs: failures print <c>mailhost: </c> and the reason on standard error and exit 1.
/// </summary>
internal sealed class AdminConnection
{
    public const string UrlVariable = "MAILHOST_URL";
    public const string PasswordVariable = "MAILHOST_ADMIN_PASSWORD";
    public const string DefaultUrl = "http://127.0.0.1:8080";
    public const string DefaultUser = "admin";

    private readonly Option<string> url = new("--url")
    {
        Description = $"The server's HTTP URL. Default: ${UrlVariable}, else {DefaultUrl}.",
        HelpName = "URL",
    };

    private readonly Option<string> user = new("--user")
    {
        Description = $"The account with the admin role to authenticate as. Default: {DefaultUser}.",
        HelpName = "NAME",
    };

    private readonly Option<bool> passwordStdin = new("--password-stdin")
    {
        Description = $"Read the admin password from the first line of standard input. Default: ${PasswordVariable}, else asked on the terminal.",
    };

    /// <summary>Creates a command with the connection options and an action that runs against the server.</summary>
    public static Command Command(string name, string description, Func<ParseResult, AdminClient, CancellationToken, Task> action, params Symbol[] symbols)
    {
        var connection = new AdminConnection();
        var command = new Command(name, description);
        foreach (var symbol in symbols)
        {
            switch (symbol)
            {
                case Argument argument:
                    command.Arguments.Add(argument);
                    break;
                case Option option:
                    command.Options.Add(option);
                    break;
                default:
                    throw new ArgumentException($"{symbol.Name} is neither an argument nor an option.", nameof(symbols));
            }
        }

        command.Options.Add(connection.url);
        command.Options.Add(connection.user);
        command.Options.Add(connection.passwordStdin);
        command.SetAction(async (parse, cancellationToken) =>
        {
            try
            {
                using var client = connection.Connect(parse);
                await action(parse, client, cancellationToken).ConfigureAwait(false);
                return ExitCodes.Success;
            }
            catch (AdminCliException ex)
            {
                await Console.Error.WriteLineAsync($"mailhost: {ex.Message}").ConfigureAwait(false);
                return ExitCodes.RuntimeError;
            }
        });
        return command;
    }

    /// <summary>Reads a password on the terminal without echoing it; null when there is no terminal.</summary>
    public static string? Prompt(string prompt)
    {
        if (Console.IsInputRedirected)
        {
            return null;
        }

        Console.Error.Write(prompt);
        var password = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                break;
            }

            if (key.Key == ConsoleKey.Backspace)
            {
                if (password.Length > 0)
                {
                    password.Length--;
                }
            }
            else if (!char.IsControl(key.KeyChar))
            {
                password.Append(key.KeyChar);
            }
        }

        Console.Error.WriteLine();
        return password.ToString();
    }

    private AdminClient Connect(ParseResult parse)
    {
        var address = parse.GetValue(url) is { Length: > 0 } given
            ? given
            : Environment.GetEnvironmentVariable(UrlVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment : DefaultUrl;
        if (!Uri.TryCreate(address, UriKind.Absolute, out var server) || (server.Scheme != Uri.UriSchemeHttp && server.Scheme != Uri.UriSchemeHttps))
        {
            throw new AdminCliException($"'{address}' is not an http:// or https:// URL; give the server's URL with --url or {UrlVariable}, e.g. {DefaultUrl}");
        }

        var name = parse.GetValue(user) is { Length: > 0 } userName ? userName : DefaultUser;
        // A trailing slash, so that a server behind a path prefix keeps it when the API paths are resolved against it.
        var baseAddress = new Uri(server.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/");
        return new AdminClient(baseAddress, name, ReadPassword(parse, name, server));
    }

    private string ReadPassword(ParseResult parse, string name, Uri server)
    {
        if (parse.GetValue(passwordStdin))
        {
            var line = Console.In.ReadLine();
            return string.IsNullOrEmpty(line)
                ? throw new AdminCliException("--password-stdin was given but standard input holds no password")
                : line;
        }

        if (Environment.GetEnvironmentVariable(PasswordVariable) is { Length: > 0 } fromEnvironment)
        {
            return fromEnvironment;
        }

        return Prompt($"Password of {name} at {server.GetLeftPart(UriPartial.Authority)}: ") is { Length: > 0 } typed
            ? typed
            : throw new AdminCliException($"no admin password: set {PasswordVariable}, pipe it with --password-stdin, or run on a terminal to be asked");
    }
}
