using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mail.Host.Cli;

/// <summary><c>mailhost group add|list|show|remove|add-member|remove-member</c>: groups and mailing lists of the internal directory, through a running server's admin API.</summary>
internal static class GroupCommand
{
    public static Command Create()
    {
        var command = new Command("group", "Manage the groups and mailing lists of the internal directory on a running server (through its admin API).");
        command.Subcommands.Add(Add());
        command.Subcommands.Add(List());
        command.Subcommands.Add(Show());
        command.Subcommands.Add(Remove());
        command.Subcommands.Add(AddMember());
        command.Subcommands.Add(RemoveMember());
        return command;
    }

    private static Argument<string> NameArgument() => new("name") { Description = "The group's name." };

    private static Command Add()
    {
        var name = NameArgument();
        var addresses = new Option<string[]>("--address") { Description = "An address of the group, in a local domain; repeatable, the first is the primary address.", HelpName = "ADDRESS" };
        var members = new Option<string[]>("--member") { Description = "A member: an account or group name, or an address (outside addresses too); repeatable.", HelpName = "MEMBER" };
        var displayName = new Option<string>("--display-name") { Description = "The name to show.", HelpName = "TEXT" };
        return AdminConnection.Command(
            "add",
            "Create a group or mailing list: mail to its addresses goes to its members.",
            async (parse, client, cancellationToken) =>
            {
                var body = new JsonObject
                {
                    ["name"] = parse.GetValue(name),
                    ["displayName"] = parse.GetValue(displayName),
                    ["addresses"] = Array(parse.GetValue(addresses)),
                    ["members"] = Array(parse.GetValue(members)),
                };
                var group = AdminOutput.Object(await client.PostAsync(AdminClient.PathOf("groups"), body, cancellationToken).ConfigureAwait(false));
                Console.WriteLine($"created group {AdminOutput.Text(group, "name")} with {Count(AdminOutput.List(group, "members").Count)}");
            },
            name,
            addresses,
            members,
            displayName);
    }

    private static Command List() => AdminConnection.Command(
        "list",
        "List every group: name, addresses and members.",
        async (parse, client, cancellationToken) =>
        {
            var groups = await client.GetAsync(AdminClient.PathOf("groups"), cancellationToken).ConfigureAwait(false);
            var rows = AdminOutput.Items(groups)
                .Select(g => new[]
                {
                    AdminOutput.Text(g, "name") ?? "?",
                    AdminOutput.Join(AdminOutput.List(g, "addresses")),
                    AdminOutput.Join(AdminOutput.List(g, "members")),
                })
                .ToList();
            Table.Write(Console.Out, ["NAME", "ADDRESSES", "MEMBERS"], rows);
        });

    private static Command Show()
    {
        var name = NameArgument();
        return AdminConnection.Command(
            "show",
            "Show one group: addresses, members and the groups it belongs to.",
            async (parse, client, cancellationToken) =>
                Print(AdminOutput.Object(await client.GetAsync(AdminClient.PathOf("groups", parse.GetValue(name)!), cancellationToken).ConfigureAwait(false))),
            name);
    }

    private static Command Remove()
    {
        var name = NameArgument();
        return AdminConnection.Command(
            "remove",
            "Delete a group: its addresses are freed and it leaves the groups that listed it. Its members are not touched.",
            async (parse, client, cancellationToken) =>
            {
                var groupName = parse.GetValue(name)!;
                await client.DeleteAsync(AdminClient.PathOf("groups", groupName), cancellationToken).ConfigureAwait(false);
                Console.WriteLine($"removed group {groupName}");
            },
            name);
    }

    private static Command AddMember()
    {
        var name = NameArgument();
        var members = new Argument<string[]>("member")
        {
            Description = "Members to add: account or group names (their primary address), or addresses.",
            Arity = ArgumentArity.OneOrMore,
        };
        return AdminConnection.Command(
            "add-member",
            "Add members to a group.",
            async (parse, client, cancellationToken) =>
            {
                var groupName = parse.GetValue(name)!;
                var body = new JsonObject { ["members"] = Array(parse.GetValue(members)) };
                var group = AdminOutput.Object(await client.PostAsync(AdminClient.PathOf("groups", groupName, "members"), body, cancellationToken).ConfigureAwait(false));
                Console.WriteLine($"group {groupName} now has {Count(AdminOutput.List(group, "members").Count)}: {AdminOutput.Join(AdminOutput.List(group, "members"))}");
            },
            name,
            members);
    }

    private static Command RemoveMember()
    {
        var name = NameArgument();
        var member = new Argument<string>("member") { Description = "The member's address, or the name of an account or group whose addresses the group lists." };
        return AdminConnection.Command(
            "remove-member",
            "Remove a member from a group.",
            async (parse, client, cancellationToken) =>
            {
                var groupName = parse.GetValue(name)!;
                var group = AdminOutput.Object(await client.DeleteAsync(AdminClient.PathOf("groups", groupName, "members", parse.GetValue(member)!), cancellationToken).ConfigureAwait(false));
                Console.WriteLine($"group {groupName} now has {Count(AdminOutput.List(group, "members").Count)}: {AdminOutput.Join(AdminOutput.List(group, "members"))}");
            },
            name,
            member);
    }

    private static void Print(JsonElement group) => AdminOutput.Details(Console.Out,
    [
        ("name", AdminOutput.Text(group, "name") ?? "?"),
        ("display name", AdminOutput.Text(group, "displayName") ?? "-"),
        ("addresses", AdminOutput.Join(AdminOutput.List(group, "addresses"))),
        ("members", AdminOutput.Join(AdminOutput.List(group, "members"))),
        ("member of", AdminOutput.Join(AdminOutput.List(group, "memberOf"))),
    ]);

    private static string Count(int members) => members == 1 ? "1 member" : $"{members} members";

    private static JsonArray Array(IEnumerable<string>? values) => [.. (values ?? []).Select(v => (JsonNode?)JsonValue.Create(v))];
}
