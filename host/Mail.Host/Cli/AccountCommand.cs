using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mail.Host.Cli;

/// <summary><c>mailhost account add|list|show|update|passwd|remove</c>: accounts of the internal directory, through a running server's admin API.</summary>
internal static class AccountCommand
{
    public static Command Create()
    {
        var command = new Command("account", "Manage the accounts of the internal directory on a running server (through its admin API).");
        command.Subcommands.Add(Add());
        command.Subcommands.Add(List());
        command.Subcommands.Add(Show());
        command.Subcommands.Add(Update());
        command.Subcommands.Add(Passwd());
        command.Subcommands.Add(Remove());
        return command;
    }

    private static Argument<string> NameArgument() => new("name") { Description = "The account's login name." };

    private static Command Add()
    {
        var name = NameArgument();
        var password = new Option<string>("--password") { Description = "The account's password (at least 8 characters). Asked on the terminal when left out.", HelpName = "PASSWORD" };
        var addresses = new Option<string[]>("--address") { Description = "An address of the account, in a local domain; repeat for aliases, the first is the primary address.", HelpName = "ADDRESS" };
        var displayName = new Option<string>("--display-name") { Description = "The name to show, e.g. \"Alice Liddell\".", HelpName = "TEXT" };
        var roles = new Option<string[]>("--role") { Description = "A role: user or admin; repeat for both. Default: user.", HelpName = "ROLE" };
        var quotaBytes = AdminOutput.SizeOption("--quota-bytes", "The most mail the account may keep, in bytes or with K, M, G, T (e.g. 2G). Default: no limit.");
        var quotaMessages = new Option<long?>("--quota-messages") { Description = "The most messages the account may keep. Default: no limit.", HelpName = "COUNT" };
        var disabled = new Option<bool>("--disabled") { Description = "Create the account disabled: it cannot log in and receives no mail." };

        return AdminConnection.Command(
            "add",
            "Create an account.",
            async (parse, client, cancellationToken) =>
            {
                var accountName = parse.GetValue(name)!;
                var secret = parse.GetValue(password) ?? AskNewPassword(accountName);
                var body = new JsonObject
                {
                    ["name"] = accountName,
                    ["password"] = secret,
                    ["addresses"] = Array(parse.GetValue(addresses)),
                    ["displayName"] = parse.GetValue(displayName),
                    ["quotaBytes"] = parse.GetValue(quotaBytes),
                    ["quotaMessages"] = parse.GetValue(quotaMessages),
                    ["disabled"] = parse.GetValue(disabled),
                };
                if (parse.GetValue(roles) is { Length: > 0 } given)
                {
                    body["roles"] = Array(given);
                }

                var account = AdminOutput.Object(await client.PostAsync(AdminClient.PathOf("accounts"), body, cancellationToken).ConfigureAwait(false));
                Console.WriteLine($"created account {AdminOutput.Text(account, "name")}{AddressSuffix(account)}");
            },
            name,
            password,
            addresses,
            displayName,
            roles,
            quotaBytes,
            quotaMessages,
            disabled);
    }

    private static Command List() => AdminConnection.Command(
        "list",
        "List every account: name, display name, addresses, roles, quota and status.",
        async (parse, client, cancellationToken) =>
        {
            var accounts = await client.GetAsync(AdminClient.PathOf("accounts"), cancellationToken).ConfigureAwait(false);
            var rows = AdminOutput.Items(accounts)
                .Select(a => new[]
                {
                    AdminOutput.Text(a, "name") ?? "?",
                    AdminOutput.Text(a, "displayName") ?? "-",
                    AdminOutput.Join(AdminOutput.List(a, "addresses")),
                    AdminOutput.Join(AdminOutput.List(a, "roles")),
                    AdminOutput.Number(a, "quotaBytes") is { } bytes ? AdminOutput.Bytes(bytes) : "-",
                    AdminOutput.Flag(a, "disabled") ? "disabled" : "enabled",
                })
                .ToList();
            Table.Write(Console.Out, ["NAME", "DISPLAY NAME", "ADDRESSES", "ROLES", "QUOTA", "STATUS"], rows);
        });

    private static Command Show()
    {
        var name = NameArgument();
        return AdminConnection.Command(
            "show",
            "Show one account: addresses, roles, groups, quotas and status.",
            async (parse, client, cancellationToken) =>
            {
                var account = AdminOutput.Object(await client.GetAsync(AdminClient.PathOf("accounts", parse.GetValue(name)!), cancellationToken).ConfigureAwait(false));
                Print(account);
            },
            name);
    }

    private static Command Update()
    {
        var name = NameArgument();
        var displayName = new Option<string>("--display-name") { Description = "A new display name; \"\" removes it.", HelpName = "TEXT" };
        var addAddress = new Option<string[]>("--add-address") { Description = "Give the account this address too; repeatable.", HelpName = "ADDRESS" };
        var removeAddress = new Option<string[]>("--remove-address") { Description = "Take this address away (it also leaves the groups that list it); repeatable.", HelpName = "ADDRESS" };
        var addRole = new Option<string[]>("--add-role") { Description = "Give a role: user or admin; repeatable.", HelpName = "ROLE" };
        var removeRole = new Option<string[]>("--remove-role") { Description = "Take a role away; repeatable. The last enabled admin keeps its role.", HelpName = "ROLE" };
        var quotaBytes = AdminOutput.SizeOption("--quota-bytes", "A new byte quota (e.g. 2G); 0 for no limit.");
        var quotaMessages = new Option<long?>("--quota-messages") { Description = "A new message quota; 0 for no limit.", HelpName = "COUNT" };
        var disable = new Option<bool>("--disable") { Description = "Disable the account: it cannot log in and receives no mail." };
        var enable = new Option<bool>("--enable") { Description = "Enable the account again." };

        return AdminConnection.Command(
            "update",
            "Change an account's display name, addresses, roles, quotas or status; what is not given stays as it is.",
            async (parse, client, cancellationToken) =>
            {
                if (parse.GetValue(disable) && parse.GetValue(enable))
                {
                    throw new AdminCliException("give --disable or --enable, not both");
                }

                var accountName = parse.GetValue(name)!;
                var path = AdminClient.PathOf("accounts", accountName);
                var body = new JsonObject();
                if (parse.GetValue(displayName) is { } newDisplayName)
                {
                    body["displayName"] = newDisplayName;
                }

                var addedAddresses = parse.GetValue(addAddress) ?? [];
                var removedAddresses = parse.GetValue(removeAddress) ?? [];
                var addedRoles = parse.GetValue(addRole) ?? [];
                var removedRoles = parse.GetValue(removeRole) ?? [];
                if (addedAddresses.Length + removedAddresses.Length + addedRoles.Length + removedRoles.Length > 0)
                {
                    var current = AdminOutput.Object(await client.GetAsync(path, cancellationToken).ConfigureAwait(false));
                    if (addedAddresses.Length + removedAddresses.Length > 0)
                    {
                        body["addresses"] = Array(Edit(AdminOutput.List(current, "addresses"), addedAddresses, removedAddresses, "address", accountName));
                    }

                    if (addedRoles.Length + removedRoles.Length > 0)
                    {
                        body["roles"] = Array(Edit(AdminOutput.List(current, "roles"), addedRoles, removedRoles, "role", accountName));
                    }
                }

                if (parse.GetValue(quotaBytes) is { } bytes)
                {
                    body["quotaBytes"] = bytes;
                }

                if (parse.GetValue(quotaMessages) is { } messages)
                {
                    body["quotaMessages"] = messages;
                }

                if (parse.GetValue(disable) || parse.GetValue(enable))
                {
                    body["disabled"] = parse.GetValue(disable);
                }

                if (body.Count == 0)
                {
                    throw new AdminCliException("nothing to change: give at least one option (see mailhost account update --help)");
                }

                var account = AdminOutput.Object(await client.PatchAsync(path, body, cancellationToken).ConfigureAwait(false));
                Console.WriteLine($"updated account {AdminOutput.Text(account, "name")}");
                Print(account);
            },
            name,
            displayName,
            addAddress,
            removeAddress,
            addRole,
            removeRole,
            quotaBytes,
            quotaMessages,
            disable,
            enable);
    }

    private static Command Passwd()
    {
        var name = NameArgument();
        var password = new Option<string>("--password") { Description = "The new password (at least 8 characters). Asked on the terminal when left out.", HelpName = "PASSWORD" };
        return AdminConnection.Command(
            "passwd",
            "Change an account's password.",
            async (parse, client, cancellationToken) =>
            {
                var accountName = parse.GetValue(name)!;
                var body = new JsonObject { ["password"] = parse.GetValue(password) ?? AskNewPassword(accountName) };
                await client.PatchAsync(AdminClient.PathOf("accounts", accountName), body, cancellationToken).ConfigureAwait(false);
                Console.WriteLine($"changed the password of {accountName}");
            },
            name,
            password);
    }

    private static Command Remove()
    {
        var name = NameArgument();
        return AdminConnection.Command(
            "remove",
            "Delete an account: its addresses are freed and it leaves every group. Its stored mail is not touched.",
            async (parse, client, cancellationToken) =>
            {
                var accountName = parse.GetValue(name)!;
                await client.DeleteAsync(AdminClient.PathOf("accounts", accountName), cancellationToken).ConfigureAwait(false);
                Console.WriteLine($"removed account {accountName}");
            },
            name);
    }

    private static void Print(JsonElement account) => AdminOutput.Details(Console.Out,
    [
        ("name", AdminOutput.Text(account, "name") ?? "?"),
        ("display name", AdminOutput.Text(account, "displayName") ?? "-"),
        ("addresses", AdminOutput.Join(AdminOutput.List(account, "addresses"))),
        ("roles", AdminOutput.Join(AdminOutput.List(account, "roles"))),
        ("member of", AdminOutput.Join(AdminOutput.List(account, "memberOf"))),
        ("quota bytes", AdminOutput.Bytes(AdminOutput.Number(account, "quotaBytes"))),
        ("quota messages", AdminOutput.Messages(AdminOutput.Number(account, "quotaMessages"))),
        ("status", AdminOutput.Flag(account, "disabled") ? "disabled" : "enabled"),
    ]);

    private static string AddressSuffix(JsonElement account)
        => AdminOutput.List(account, "addresses") is { Count: > 0 } list ? $" ({string.Join(", ", list)})" : string.Empty;

    private static JsonArray Array(IEnumerable<string>? values) => [.. (values ?? []).Select(v => (JsonNode?)JsonValue.Create(v))];

    private static List<string> Edit(IReadOnlyList<string> current, string[] added, string[] removed, string what, string account)
    {
        var result = current.ToList();
        foreach (var item in removed)
        {
            if (result.RemoveAll(c => c.Equals(item.Trim(), StringComparison.OrdinalIgnoreCase)) == 0)
            {
                throw new AdminCliException($"the account {account} has no {what} '{item}'; it has: {AdminOutput.Join(current)}");
            }
        }

        result.AddRange(added.Where(a => !result.Contains(a.Trim(), StringComparer.OrdinalIgnoreCase)));
        return result;
    }

    private static string AskNewPassword(string account)
    {
        var first = AdminConnection.Prompt($"New password for {account}: ")
            ?? throw new AdminCliException($"give the password of {account} with --password, or run on a terminal to be asked for it");
        var second = AdminConnection.Prompt($"Repeat the password for {account}: ");
        return first == second ? first : throw new AdminCliException("the two passwords differ; nothing was changed");
    }
}
