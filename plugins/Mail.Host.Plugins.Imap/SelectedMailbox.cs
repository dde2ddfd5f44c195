namespace Mail.Host.Plugins.Imap;

/// <summary>
/// The session's view of the selected mailbox: the UIDs in message sequence order and the flags and mod-sequence
/// the client was last told of, so that changes made elsewhere are reported as they are found.
/// </summary>
internal sealed class SelectedMailbox
{
    public required ulong Id { get; init; }

    public required string Name { get; set; }

    public required bool ReadOnly { get; init; }

    /// <summary>
    /// True when the mailbox is read-only because the user's rights allow no change (RFC 4314 §4), not because it was
    /// EXAMINEd: changes are then answered <c>NO [NOPERM]</c> rather than <c>NO [READ-ONLY]</c>.
    /// </summary>
    public bool ReadOnlyByRights { get; init; }

    public required uint UidValidity { get; init; }

    /// <summary>The UIDs, ascending; message sequence number <c>n</c> is index <c>n - 1</c>.</summary>
    public List<uint> Uids { get; } = [];

    /// <summary>Keywords and mod-sequence of each UID as last reported.</summary>
    public Dictionary<uint, (IReadOnlyList<string> Keywords, ulong ModSeq)> Messages { get; } = [];

    /// <summary>The keywords announced in FLAGS.</summary>
    public HashSet<string> Keywords { get; } = new(StringComparer.Ordinal);

    /// <summary>The mailbox mod-sequence up to which flag changes and additions were reported.</summary>
    public ulong ModSeq { get; set; }

    /// <summary>The mailbox mod-sequence up to which expunges were reported.</summary>
    public ulong ExpungeModSeq { get; set; }

    /// <summary>True when a change may be left to report (expunges held back during a sequence-number command).</summary>
    public bool Dirty { get; set; }

    /// <summary>The UIDs that are \Recent in this session.</summary>
    public HashSet<uint> Recent { get; } = [];

    /// <summary>The saved search result (SEARCHRES), as UIDs.</summary>
    public List<uint> Saved { get; set; } = [];

    public uint Exists => (uint)Uids.Count;

    public uint MaxUid => Uids.Count == 0 ? 0 : Uids[^1];

    /// <summary>The sequence number of a UID, or 0.</summary>
    public uint SequenceOf(uint uid)
    {
        var index = Uids.BinarySearch(uid);
        return index < 0 ? 0 : (uint)index + 1;
    }

    public void Add(uint uid, IReadOnlyList<string> keywords, ulong modSeq)
    {
        if (Uids.Count == 0 || uid > Uids[^1])
        {
            Uids.Add(uid);
        }
        else
        {
            var index = Uids.BinarySearch(uid);
            if (index >= 0)
            {
                Messages[uid] = (keywords, modSeq);
                return;
            }

            Uids.Insert(~index, uid);
        }

        Messages[uid] = (keywords, modSeq);
    }
}
