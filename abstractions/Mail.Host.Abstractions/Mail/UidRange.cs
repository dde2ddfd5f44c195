namespace Mail.Host.Mail;

/// <summary>An inclusive range of UIDs, one element of an IMAP sequence set (<c>4:7</c>; <c>5</c> is 5 to 5).</summary>
/// <param name="First">The lowest UID included.</param>
/// <param name="Last">The highest UID included.</param>
public readonly record struct UidRange(uint First, uint Last)
{
    /// <summary>Whether a UID is in the range; the bounds may be given in either order, as IMAP allows.</summary>
    /// <param name="uid">The UID.</param>
    /// <returns><see langword="true"/> when it is.</returns>
    public bool Contains(uint uid) => First <= Last ? uid >= First && uid <= Last : uid >= Last && uid <= First;
}
