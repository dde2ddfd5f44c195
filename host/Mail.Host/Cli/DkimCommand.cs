using System.CommandLine;
using Mail.Host.Outbound;
using Mail.Host.Startup;

namespace Mail.Host.Cli;

/// <summary><c>mailhost dkim generate DOMAIN</c>: makes a DKIM signing key and prints the DNS TXT record to publish.</summary>
internal static class DkimCommand
{
    public static Command Create()
    {
        var command = new Command("dkim", "DKIM signing keys for outbound mail.");
        command.Subcommands.Add(Generate());
        return command;
    }

    private static Command Generate()
    {
        var domain = new Argument<string>("domain") { Description = "The signing domain, e.g. example.org." };
        var selector = new Option<string>("--selector", "-s") { Description = "The selector (the key's name in DNS). Default: mail.", DefaultValueFactory = _ => "mail", HelpName = "NAME" };
        var algorithm = new Option<string>("--algorithm", "-a") { Description = "rsa (2048 bits, understood by every verifier) or ed25519 (RFC 8463). Default: rsa.", DefaultValueFactory = _ => "rsa", HelpName = "rsa|ed25519" };
        var output = new Option<FileInfo>("--output", "-o") { Description = "Where to write the private key (PEM). Default: dkim/DOMAIN.SELECTOR.pem under the current folder. Never overwritten.", HelpName = "FILE" };
        var command = new Command("generate", "Make a DKIM key for a domain, write the private key to a file, and print the DNS TXT record to publish and the manifest lines that use it.")
        {
            domain, selector, algorithm, output,
        };
        command.SetAction(parse =>
        {
            var name = parse.GetValue(domain)!.Trim().TrimEnd('.').ToLowerInvariant();
            var sel = parse.GetValue(selector)!;
            var kind = parse.GetValue(algorithm)!.ToLowerInvariant();
            if (kind is not ("rsa" or "ed25519"))
            {
                Console.Error.WriteLine($"mailhost: unknown algorithm '{kind}'; use rsa or ed25519");
                return ExitCodes.ConfigurationError;
            }

            if (name.Length == 0 || !name.Contains('.', StringComparison.Ordinal) || sel.Length == 0 || sel.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
            {
                Console.Error.WriteLine("mailhost: give a domain name like example.org and a selector of letters, digits, '-', '_' or '.'");
                return ExitCodes.ConfigurationError;
            }

            var file = parse.GetValue(output) ?? new FileInfo(Path.Combine("dkim", $"{name}.{sel}.pem"));
            if (file.Exists)
            {
                Console.Error.WriteLine($"mailhost: {file.FullName} exists; it is never overwritten (remove it or choose --output)");
                return ExitCodes.RuntimeError;
            }

            var key = DkimKeys.Generate(kind == "ed25519");
            file.Directory?.Create();
            File.WriteAllText(file.FullName, key.PrivateKeyPem);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(file.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            Console.WriteLine($"; private key written to {file.FullName}");
            Console.WriteLine("; publish this TXT record:");
            Console.WriteLine($"{sel}._domainkey.{name}. IN TXT {DkimKeys.Quote(key.TxtRecord)}");
            Console.WriteLine("; and sign with it in the manifest:");
            Console.WriteLine($"; \"Outbound\": {{ \"Dkim\": {{ \"{name}\": {{ \"Selector\": \"{sel}\", \"KeyPath\": \"{file.FullName}\" }} }} }}");
            return ExitCodes.Success;
        });
        return command;
    }
}
