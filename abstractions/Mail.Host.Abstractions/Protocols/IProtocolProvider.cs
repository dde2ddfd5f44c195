namespace Mail.Host.Protocols;

/// <summary>
/// Creates listeners for one protocol (for example <c>smtp</c>, <c>submission</c> or <c>imap</c>). A plugin registers
/// one provider per protocol it offers; the protocol must also be listed in the plugin's descriptor.
/// </summary>
public interface IProtocolProvider
{
    /// <summary>The protocol name, as written in the manifest's <c>Listeners:&lt;name&gt;:Protocol</c>; lower case.</summary>
    string Protocol { get; }

    /// <summary>Checks a listener's settings before anything starts and returns every problem found. The default accepts everything.</summary>
    /// <param name="context">The listener's name, endpoints and settings.</param>
    /// <returns>The problems; empty when the settings are usable.</returns>
    IEnumerable<string> Validate(ListenerContext context) => [];

    /// <summary>Creates a listener; the host starts and stops it with the application.</summary>
    /// <param name="context">The listener's name, endpoints and settings.</param>
    /// <returns>The listener, not yet started.</returns>
    IProtocolListener CreateListener(ListenerContext context);
}
