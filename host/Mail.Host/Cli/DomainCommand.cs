using System.CommandLine;
using System.Text.Json.Nodes;

namespace Mail.Host.Cli;

/// <summary><c>mailhost domain add|list|remove|catch-all</c>: the local domains of the internal directory, through a running server's admin API.</summary>
internal static class DomainCommand
{
    public static Command Create()
    {
        var command = new Command("domain", "Manage the local domains of the internal directory on a running server (through its admin API).");
        command.Subcommands.Add(Add());
        command.Subcommands.Add(List());
        command.Subcommands.Add(Remove());
        command.Subcommands.Add(CatchAll());
        return command;
    }

    private static Argument<string> DomainArgument() => new("domain") { Description = "The domain name, e.g. example.org." };

    private static Command Add()
    {
        var domain = DomainArgument();
        var catchAll = new Option<string>("--catch-all") { Description = "The account or group that receives mail for unknown addresses in the domain. Default: none (unknown addresses are refused).", HelpName = "NAME" };
        return AdminConnection.Command(
            "add",
            "Add a local domain: the server receives mail for it, and accounts and groups can have addresses in it.",
            async (parse, client, cancellationToken) =>
            {
                var body = new JsonObject { ["name"] = parse.GetValue(domain), ["catchAll"] = parse.GetValue(catchAll) };
                var added = AdminOutput.Object(await client.PostAsync(AdminClient.PathOf("domains"), body, cancellationToken).ConfigureAwait(false));
                var target = AdminOutput.Text(added, "catchAll");
                Console.WriteLine($"added domain {AdminOutput.Text(added, "name")}{(target is null ? string.Empty : $" (catch-all: {target})")}");
            },
            domain,
            catchAll);
    }

    private static Command List() => AdminConnection.Command(
        "list",
        "List the local domains, how many addresses each has, and each catch-all.",
        async (parse, client, cancellationToken) =>
        {
            var domains = await client.GetAsync(AdminClient.PathOf("domains"), cancellationToken).ConfigureAwait(false);
            var rows = AdminOutput.Items(domains)
                .Select(d => new[]
                {
                    AdminOutput.Text(d, "name") ?? "?",
                    (AdminOutput.Number(d, "addresses") ?? 0).ToString(System.Globalization.CultureInfo.InvariantCulture),
                    AdminOutput.Text(d, "catchAll") ?? "-",
                })
                .ToList();
            Table.Write(Console.Out, ["DOMAIN", "ADDRESSES", "CATCH-ALL"], rows);
        });

    private static Command Remove()
    {
        var domain = DomainArgument();
        return AdminConnection.Command(
            "remove",
            "Remove a local domain. Refused while an account or group still has an address in it.",
            async (parse, client, cancellationToken) =>
            {
                var name = parse.GetValue(domain)!;
                await client.DeleteAsync(AdminClient.PathOf("domains", name), cancellationToken).ConfigureAwait(false);
                Console.WriteLine($"removed domain {name}");
            },
            domain);
    }

    private static Command CatchAll()
    {
        var domain = DomainArgument();
        var target = new Argument<string?>("name")
        {
            Description = "The account or group that receives mail for unknown addresses; leave it out to remove the catch-all.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        return AdminConnection.Command(
            "catch-all",
            "Set or remove the catch-all of a local domain.",
            async (parse, client, cancellationToken) =>
            {
                var name = parse.GetValue(domain)!;
                var body = new JsonObject { ["catchAll"] = parse.GetValue(target) };
                var changed = AdminOutput.Object(await client.PatchAsync(AdminClient.PathOf("domains", name), body, cancellationToken).ConfigureAwait(false));
                Console.WriteLine(AdminOutput.Text(changed, "catchAll") is { } now
                    ? $"mail to unknown addresses in {name} goes to {now}"
                    : $"mail to unknown addresses in {name} is refused");
            },
            domain,
            target);
    }
}
