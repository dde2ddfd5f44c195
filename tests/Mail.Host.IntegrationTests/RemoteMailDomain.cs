using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;

namespace Mail.Host.IntegrationTests;

/// <summary>
/// A mail domain elsewhere, for tests of what leaves through the outbound queue: an SMTP server run by the test on its
/// own loopback address, named by dnsmasq as the domain's MX, and a deployment whose queue finds it there and retries
/// within seconds.
/// </summary>
internal sealed class RemoteMailDomain : IDisposable
{
    private readonly List<IDisposable> owned = [];

    private RemoteMailDomain(FakeServer mx, TestDeployment deployment)
    {
        Mx = mx;
        Deployment = deployment;
    }

    /// <summary>The domain's MX, recording what it receives.</summary>
    public FakeServer Mx { get; }

    /// <summary>The deployment (not started) whose outbound queue delivers to <see cref="Mx"/>.</summary>
    public TestDeployment Deployment { get; }

    /// <summary>Starts the MX on <paramref name="address"/> and the DNS naming it, and prepares a deployment called <paramref name="hostname"/>.</summary>
    public static async Task<RemoteMailDomain> StartAsync(DeploymentFixture fixture, string domain, string address, string hostname)
    {
        var port = FreePort(address);
        var mx = FakeServer.Start(address, port, FakeServer.Recording);
        TestDns? dns = null;
        try
        {
            dns = await TestDns.StartAsync([$"--mx-host={domain},mx.{domain},10", $"--host-record=mx.{domain},{address}"]);
            var deployment = new TestDeployment(fixture);
            var dnsServers = new JsonArray(dns.Endpoint);
            deployment.EditManifest(m =>
            {
                m["Server"]!["Hostname"] = hostname;
                m["Listeners"]!["smtp"]!["DnsServers"] = dnsServers.DeepClone();
                m["Outbound"] = new JsonObject
                {
                    ["DnsServers"] = dnsServers.DeepClone(),
                    ["DnsTimeoutSeconds"] = 2,
                    ["Port"] = port,
                    ["RetryIntervalsSeconds"] = new JsonArray(1, 2),
                    ["PollIntervalSeconds"] = 1,
                    ["ConnectTimeoutSeconds"] = 3,
                    ["CommandTimeoutSeconds"] = 3,
                    ["Dkim"] = new JsonObject(),
                };
            });
            var remote = new RemoteMailDomain(mx, deployment);
            remote.owned.AddRange([mx, dns, deployment]);
            return remote;
        }
        catch
        {
            dns?.Dispose();
            mx.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var item in Enumerable.Reverse(owned))
        {
            item.Dispose();
        }
    }

    private static int FreePort(string address)
    {
        var listener = new TcpListener(IPAddress.Parse(address), 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
