namespace Mail.Host.Plugins.Jmap;

/// <summary>Every method this server answers, with the capability a request must be <c>using</c> for it.</summary>
internal sealed class JmapMethods
{
    private readonly Dictionary<string, (string Capability, Func<MethodCall, Task<System.Text.Json.Nodes.JsonObject>> Handler)> methods = new(StringComparer.Ordinal);

    public JmapMethods()
    {
        Add(JmapCapabilities.Core, "Core/echo", call => Task.FromResult((System.Text.Json.Nodes.JsonObject)call.Arguments.DeepClone()));
        MailboxMethods.Register(this);
        ThreadMethods.Register(this);
        EmailMethods.Register(this);
        EmailSetMethods.Register(this);
        IdentityMethods.Register(this);
        SubmissionMethods.Register(this);
        VacationMethods.Register(this);
        QuotaMethods.Register(this);
        BlobMethods.Register(this);
        PushSubscriptionMethods.Register(this);
    }

    public void Add(string capability, string name, Func<MethodCall, Task<System.Text.Json.Nodes.JsonObject>> handler) => methods[name] = (capability, handler);

    public bool TryGet(string name, out string capability, out Func<MethodCall, Task<System.Text.Json.Nodes.JsonObject>> handler)
    {
        if (methods.TryGetValue(name, out var entry))
        {
            capability = entry.Capability;
            handler = entry.Handler;
            return true;
        }

        capability = string.Empty;
        handler = null!;
        return false;
    }
}
