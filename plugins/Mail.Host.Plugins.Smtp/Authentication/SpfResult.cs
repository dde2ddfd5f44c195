namespace Mail.Host.Plugins.Smtp.Authentication;

/// <summary>The results of an SPF check (RFC 7208 section 2.6).</summary>
internal enum SpfResult
{
    None,
    Neutral,
    Pass,
    Fail,
    SoftFail,
    TempError,
    PermError,
}
