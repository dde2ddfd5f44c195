using System.Diagnostics;
using Mail.Host.Engine.Mail;
using Mail.Host.Engine.Storage;
using Mail.Host.Mail;
using Mail.Host.Storage;
using Mail.Host.Tests.Services;
using Xunit;

namespace Mail.Host.Engine.Tests;

/// <summary>
/// The engine on a SQL store whose server goes away under a trickle of deliveries and comes back: deliveries fail as
/// unavailable meanwhile, nothing else breaks, delivery resumes without reopening anything, and every delivery that
/// was acknowledged is there.
/// </summary>
public abstract class SqlOutageBehaviour
{
    internal abstract SqlTestDatabase Database { get; }

    [Fact]
    public async Task Deliveries_fail_as_unavailable_while_the_server_is_away_and_every_acknowledged_one_is_kept()
    {
        var (host, port) = Database.Server;
        await using var relay = new TcpForwarder(host, port);
        relay.Start();
        await using var instance = await Database.OpenThroughAsync(relay.Port);
        try
        {
            var data = instance.Data!;
            var engine = new MailEngine(data, instance.Blob ?? new DataStoreBlobStore(data), fullText: new DataStoreFullTextStore(data));
            var account = engine.OpenAccount(1);
            await account.SetQuotaAsync(MailQuota.Unlimited);
            var acknowledged = new List<ulong>();
            var unavailable = 0;
            var acknowledgedAfterReturn = 0;
            var clock = Stopwatch.StartNew();
            var phase = 0;
            for (var i = 0; clock.Elapsed < TimeSpan.FromSeconds(4.5); i++)
            {
                if (phase == 0 && clock.Elapsed > TimeSpan.FromSeconds(1.5))
                {
                    await relay.StopAsync();
                    phase = 1;
                }
                else if (phase == 1 && clock.Elapsed > TimeSpan.FromSeconds(3))
                {
                    relay.Start();
                    phase = 2;
                }

                try
                {
                    var result = Assert.Single(await engine.DeliverAsync(new MemoryStream(MailTestMessages.Simple($"trickle {i}")), [1]));
                    Assert.Equal(DeliveryStatus.Delivered, result.Status);
                    acknowledged.Add(result.EmailId);
                    if (phase == 2)
                    {
                        acknowledgedAfterReturn++;
                    }
                }
                catch (StoreUnavailableException)
                {
                    unavailable++;
                }

                await Task.Delay(25);
            }

            Assert.True(unavailable > 0, "No delivery failed while the server was away.");
            Assert.True(acknowledgedAfterReturn > 0, "No delivery succeeded after the server came back.");
            var emails = await account.GetEmailsAsync(acknowledged);
            Assert.Equal(acknowledged.Order(), emails.Select(e => e.Id).Order());
            var inbox = (await account.GetMailboxesAsync()).Single(m => m.Role == MailboxRole.Inbox);
            Assert.True(inbox.TotalMessages >= acknowledged.Count);
        }
        finally
        {
            await Database.DisposeAsync();
        }
    }
}
