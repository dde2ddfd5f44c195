using Mail.Host.Directory;
using Mail.Host.Mail;
using Mail.Host.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mail.Host.Plugins.Jmap;

/// <summary>
/// What every JMAP route works with: the host's engine, stores, directory, local delivery and (when a plugin provides
/// it) the outbound queue, resolved on first use since they exist only once the server has started.
/// </summary>
internal sealed class JmapServer(IServiceProvider services, JmapOptions options)
{
    private readonly Lazy<IMailEngine> engine = new(services.GetRequiredService<IMailEngine>);
    private readonly Lazy<IMailStores> stores = new(services.GetRequiredService<IMailStores>);
    private readonly Lazy<IMailDirectories> directories = new(services.GetRequiredService<IMailDirectories>);
    private readonly Lazy<IMailDelivery?> delivery = new(services.GetService<IMailDelivery>);
    private readonly Lazy<IMailQueue?> queue = new(services.GetService<IMailQueue>);
    private JmapAuth? auth;
    private JmapObjects? objects;
    private JmapBlobs? blobs;
    private JmapPush? push;
    private PushDelivery? pushDelivery;

    public JmapOptions Options { get; } = options;

    public IMailEngine Engine => engine.Value;

    public IMailStores Stores => stores.Value;

    public IDirectory Directory => directories.Value.Authentication;

    public IMailDelivery? Delivery => delivery.Value;

    /// <summary>The outbound queue, or <see langword="null"/> when no enabled plugin provides one.</summary>
    public IMailQueue? Queue => queue.Value;

    public ILoggerFactory LoggerFactory { get; } = services.GetRequiredService<ILoggerFactory>();

    public JmapAuth Auth => auth ??= new JmapAuth(this);

    public JmapObjects Objects => objects ??= new JmapObjects(Stores.Data);

    public JmapBlobs Blobs => blobs ??= new JmapBlobs(this);

    public JmapPush Push => push ??= new JmapPush(this, LoggerFactory.CreateLogger("Mail.Host.Plugins.Jmap.Push"));

    public PushDelivery PushDelivery => LazyInitializer.EnsureInitialized(ref pushDelivery, () => new PushDelivery(this, LoggerFactory.CreateLogger("Mail.Host.Plugins.Jmap.PushSubscription")));

    public JmapMethods Methods { get; } = new();
}
