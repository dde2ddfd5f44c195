namespace Mail.Host.Plugins.Redis;

/// <summary>Turns a call that returns a result into one that returns none.</summary>
internal static class ValueTaskExtensions
{
    public static async ValueTask Discard<T>(this ValueTask<T> task) => await task.ConfigureAwait(false);
}
