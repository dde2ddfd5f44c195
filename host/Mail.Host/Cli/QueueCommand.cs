using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mail.Host.Cli;

/// <summary><c>mailhost queue list|show|retry|remove</c>: the outbound queue of a running server, through its admin API.</summary>
internal static class QueueCommand
{
    public static Command Create()
    {
        var command = new Command("queue", "Inspect and manage the outbound queue of a running server (through its admin API).");
        command.Subcommands.Add(List());
        command.Subcommands.Add(Show());
        command.Subcommands.Add(Retry());
        command.Subcommands.Add(Remove());
        return command;
    }

    private static Argument<string> IdArgument() => new("id") { Description = "The queue id (32 hex digits), as mailhost queue list shows it." };

    private static Command List() => AdminConnection.Command(
        "list",
        "List the queued messages, oldest first: id, sender, recipients still pending, attempts, next attempt, last error.",
        async (parse, client, cancellationToken) =>
        {
            var items = AdminOutput.Items(await client.GetAsync(AdminClient.PathOf("queue"), cancellationToken).ConfigureAwait(false)).ToList();
            var rows = items.Select(m => new[]
            {
                AdminOutput.Text(m, "id") ?? "?",
                AdminOutput.Text(m, "from") is { Length: > 0 } from ? from : "<>",
                Recipients(m, pendingOnly: true),
                (AdminOutput.Number(m, "attempts") ?? 0).ToString(CultureInfo.InvariantCulture),
                Time(m, "nextAttempt"),
                AdminOutput.Text(m, "lastError") ?? "-",
            }).ToList();
            Table.Write(Console.Out, ["ID", "FROM", "PENDING", "ATTEMPTS", "NEXT ATTEMPT", "LAST ERROR"], rows);
            Console.WriteLine($"{items.Count} message{(items.Count == 1 ? string.Empty : "s")} queued");
        });

    private static Command Show()
    {
        var id = IdArgument();
        return AdminConnection.Command(
            "show",
            "Show one queued message: envelope, schedule, and each recipient's state and last answer.",
            async (parse, client, cancellationToken) =>
            {
                var m = AdminOutput.Object(await client.GetAsync(AdminClient.PathOf("queue", parse.GetValue(id)!), cancellationToken).ConfigureAwait(false));
                AdminOutput.Details(Console.Out,
                [
                    ("id", AdminOutput.Text(m, "id") ?? "?"),
                    ("from", AdminOutput.Text(m, "from") is { Length: > 0 } from ? from : "<> (a delivery notification)"),
                    ("size", AdminOutput.Bytes(AdminOutput.Number(m, "size"))),
                    ("received", Time(m, "receivedAt")),
                    ("submitted by", AdminOutput.Text(m, "authenticatedAs") ?? "-"),
                    ("client", AdminOutput.Text(m, "client") ?? "-"),
                    ("attempts", (AdminOutput.Number(m, "attempts") ?? 0).ToString(CultureInfo.InvariantCulture)),
                    ("last attempt", Time(m, "lastAttempt")),
                    ("next attempt", Time(m, "nextAttempt")),
                    ("requiretls", AdminOutput.Flag(m, "requireTls") ? "yes" : "no"),
                ]);
                Console.WriteLine("recipients:");
                foreach (var r in m.TryGetProperty("recipients", out var list) ? list.EnumerateArray() : default)
                {
                    Console.WriteLine($"  {AdminOutput.Text(r, "address")}  {AdminOutput.Text(r, "status")}  {AdminOutput.Text(r, "detail") ?? string.Empty}");
                }
            },
            id);
    }

    private static Command Retry()
    {
        var id = IdArgument();
        return AdminConnection.Command(
            "retry",
            "Try to deliver a queued message now instead of at its scheduled time.",
            async (parse, client, cancellationToken) =>
            {
                var queueId = parse.GetValue(id)!;
                await client.PostAsync(AdminClient.PathOf("queue", queueId, "retry"), [], cancellationToken).ConfigureAwait(false);
                Console.WriteLine($"{queueId} will be tried now");
            },
            id);
    }

    private static Command Remove()
    {
        var id = IdArgument();
        return AdminConnection.Command(
            "remove",
            "Remove a message from the queue without delivering it and without notifying its sender.",
            async (parse, client, cancellationToken) =>
            {
                var queueId = parse.GetValue(id)!;
                await client.DeleteAsync(AdminClient.PathOf("queue", queueId), cancellationToken).ConfigureAwait(false);
                Console.WriteLine($"removed {queueId} from the queue");
            },
            id);
    }

    private static string Recipients(JsonElement message, bool pendingOnly)
    {
        if (!message.TryGetProperty("recipients", out var list) || list.ValueKind != JsonValueKind.Array)
        {
            return "-";
        }

        var addresses = list.EnumerateArray()
            .Where(r => !pendingOnly || AdminOutput.Text(r, "status") == "pending")
            .Select(r => AdminOutput.Text(r, "address") ?? "?")
            .ToList();
        return AdminOutput.Join(addresses);
    }

    private static string Time(JsonElement element, string name)
        => AdminOutput.Text(element, name) is { } text && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var time)
            ? time.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture)
            : "-";
}
