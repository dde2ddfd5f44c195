using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace Mail.Host.IntegrationTests.JmapConformance;

/// <summary>
/// A test that reaches the server from a non-loopback address of this machine: skipped, with the reason, on a machine
/// that has none (only loopback interfaces).
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class PartANonLoopbackFactAttribute : FactAttribute
{
    public PartANonLoopbackFactAttribute()
    {
        if (Address is null)
        {
            Skip = "needs a non-loopback IPv4 address on this machine to reach the server from outside loopback";
        }
    }

    /// <summary>The first up, non-loopback IPv4 address of this machine, or null.</summary>
    public static IPAddress? Address { get; } = Find();

    private static IPAddress? Find()
    {
        try
        {
            return NetworkInterface.GetAllNetworkInterfaces()
                .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
                .SelectMany(n => n.GetIPProperties().UnicastAddresses)
                .Select(a => a.Address)
                .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));
        }
        catch (NetworkInformationException)
        {
            return null;
        }
    }
}
