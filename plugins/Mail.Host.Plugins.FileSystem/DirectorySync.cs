using System.Runtime.InteropServices;

namespace Mail.Host.Plugins.FileSystem;

/// <summary>
/// Flushes a folder's entries to disk. A renamed or newly created file is only certain to survive a power loss
/// once the folder that names it has been flushed too; .NET offers no call for that, so this goes to libc.
/// </summary>
internal static partial class DirectorySync
{
    private const int ReadOnly = 0;
    private const int Interrupted = 4;

    // O_CLOEXEC has the same value on every Linux architecture .NET runs on; O_DIRECTORY does not.
    private const int CloseOnExec = 0x80000;

    private static readonly int DirectoryOnly = RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.Arm or Architecture.Arm64 or Architecture.Armv6 or Architecture.Ppc64le => 0x4000,
        _ => 0x10000,
    };

    /// <summary>Flushes a folder's entries to disk.</summary>
    /// <param name="path">The folder.</param>
    /// <exception cref="IOException">The folder could not be opened or flushed; the message carries the error number.</exception>
    public static void Flush(string path)
    {
        // Windows cannot open a folder for flushing and its file systems journal renames on their own; other
        // systems get the same treatment until someone needs their exact flags.
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        int descriptor;
        do
        {
            descriptor = Open(path, ReadOnly | DirectoryOnly | CloseOnExec);
        }
        while (descriptor < 0 && Marshal.GetLastPInvokeError() == Interrupted);

        if (descriptor < 0)
        {
            throw Failure("open", path);
        }

        try
        {
            int result;
            do
            {
                result = Fsync(descriptor);
            }
            while (result < 0 && Marshal.GetLastPInvokeError() == Interrupted);

            if (result < 0)
            {
                throw Failure("fsync", path);
            }
        }
        finally
        {
            // Linux releases the descriptor even when close reports an error, so there is nothing to retry.
            _ = Close(descriptor);
        }
    }

    private static IOException Failure(string call, string path)
    {
        var error = Marshal.GetLastPInvokeError();
        return new IOException($"Could not flush folder '{path}' to disk: {call} failed with errno {error} ({Marshal.GetPInvokeErrorMessage(error)}).");
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int descriptor);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int descriptor);
}
