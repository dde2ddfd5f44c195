using System.Text;
using Mail.Host.Mail;
using Mail.Host.Plugins.Imap;
using Xunit;

namespace Mail.Host.Plugins.Tests.Imap;

/// <summary>The IMAP plugin's encoders and parsers on their own: modified UTF-7, sequence sets, literals, sections, threads.</summary>
public sealed class ImapCodecTests
{
    [Theory]
    [InlineData("INBOX", "INBOX")]
    [InlineData("Caf\u00e9", "Caf&AOk-")]
    [InlineData("A&B", "A&-B")]
    [InlineData("\u65e5\u672c\u8a9e", "&ZeVnLIqe-")]
    [InlineData("~peter/mail/\u53f0\u5317/\u65e5\u672c\u8a9e", "~peter/mail/&U,BTFw-/&ZeVnLIqe-")]
    public void Modified_utf7_round_trips(string name, string encoded)
    {
        Assert.Equal(encoded, ModifiedUtf7.Encode(name));
        Assert.True(ModifiedUtf7.TryDecode(encoded, out var decoded));
        Assert.Equal(name, decoded);
    }

    [Theory]
    [InlineData("&Jjo")]
    [InlineData("&AGE-")]
    [InlineData("&U,BTFw-&ZeVnLIqe-")]
    [InlineData("&A-")]
    [InlineData("caf\u00e9")]
    [InlineData("&!!-")]
    public void Invalid_modified_utf7_is_refused(string encoded) => Assert.False(ModifiedUtf7.TryDecode(encoded, out _));

    [Fact]
    public void Sequence_sets_resolve_stars_and_reject_zero_and_garbage()
    {
        var set = SequenceSet.Parse("1,3:5,9:*");
        Assert.True(set.Contains(1, 20));
        Assert.False(set.Contains(2, 20));
        Assert.True(set.Contains(4, 20));
        Assert.True(set.Contains(20, 20));
        Assert.Equal(20u, set.Max(20));
        Assert.True(SequenceSet.Parse("*:3").Contains(5, 7));
        Assert.True(SequenceSet.Parse("$").IsSaved);
        foreach (var bad in new[] { "0", "1:0", "a", "1,,2", "", "1:", "01", "4294967296" })
        {
            Assert.Throws<ImapParseException>(() => SequenceSet.Parse(bad));
        }
    }

    [Theory]
    [InlineData("a APPEND INBOX {12}", 12L, false)]
    [InlineData("a APPEND INBOX (\\Seen) {0+}", 0L, true)]
    [InlineData("a APPEND INBOX ~{7}", 7L, false)]
    public void Literal_announcements_are_found_at_the_end_of_a_line(string line, long size, bool nonSync)
    {
        Assert.True(ImapCommandReader.TryLiteral(Encoding.ASCII.GetBytes(line), out var found, out var plus));
        Assert.Equal(size, found);
        Assert.Equal(nonSync, plus);
    }

    [Theory]
    [InlineData("a NOOP")]
    [InlineData("a LOGIN {x}")]
    [InlineData("a LOGIN {}")]
    [InlineData("a LOGIN }")]
    public void Lines_without_a_literal_are_not_mistaken_for_one(string line)
        => Assert.False(ImapCommandReader.TryLiteral(Encoding.ASCII.GetBytes(line), out _, out _));

    [Fact]
    public void Parser_reads_atoms_with_brackets_quoted_strings_literals_and_lists()
    {
        var command = new ImapCommand(
            [Encoding.ASCII.GetBytes("t1 FETCH 1 (BODY.PEEK[HEADER.FIELDS (FROM TO)]<0.10> \"q\\\"x\" {3}"), Encoding.ASCII.GetBytes(" NIL)")],
            [Encoding.ASCII.GetBytes("abc")]);
        var parser = new ImapParser(command);
        Assert.Equal("t1", parser.ReadAtom());
        parser.ExpectSpace();
        Assert.Equal("FETCH", parser.ReadAtom());
        parser.ExpectSpace();
        Assert.Equal(1u, parser.ReadNumber());
        parser.ExpectSpace();
        var items = new List<string?>();
        parser.ReadList(() => items.Add(parser.Peek() == (byte)'B' ? parser.ReadAtom() : parser.ReadNString()));
        Assert.Equal(["BODY.PEEK[HEADER.FIELDS (FROM TO)]<0.10>", "q\"x", "abc", null], items);
        parser.ExpectEnd();
        var unbalanced = new ImapParser(new ImapCommand([Encoding.ASCII.GetBytes("(a b")], []));
        Assert.Throws<ImapParseException>(() => unbalanced.ReadList(() => unbalanced.ReadAtom()));
        Assert.Throws<ImapParseException>(() => new ImapParser(new ImapCommand([Encoding.ASCII.GetBytes("BODY[1")], [])).ReadAtom());
    }

    [Fact]
    public void Sections_resolve_through_multiparts_and_encapsulated_messages()
    {
        MessagePart Leaf(string id, string type = "text", string subtype = "plain") => new() { PartId = id, MediaType = type, MediaSubtype = subtype };
        var inner = new MessagePart { PartId = "2", MediaType = "multipart", MediaSubtype = "alternative", Children = [Leaf("2.1"), Leaf("2.2", "text", "html")] };
        var root = new MessagePart
        {
            PartId = string.Empty,
            MediaType = "multipart",
            MediaSubtype = "mixed",
            Children = [Leaf("1"), new MessagePart { PartId = "2", MediaType = "message", MediaSubtype = "rfc822", Children = [inner] }],
        };
        Assert.Equal("1", ImapSession.Resolve(root, [1])!.PartId);
        Assert.Equal("rfc822", ImapSession.Resolve(root, [2])!.MediaSubtype);
        Assert.Equal("2.2", ImapSession.Resolve(root, [2, 2])!.PartId);
        Assert.Null(ImapSession.Resolve(root, [3]));
        Assert.Null(ImapSession.Resolve(root, [1, 1]));
        var single = Leaf(string.Empty);
        Assert.Same(single, ImapSession.Resolve(single, [1]));
        Assert.Null(ImapSession.Resolve(single, [2]));
    }

    [Theory]
    [InlineData("Re: Hello", "HELLO")]
    [InlineData("re: [list] Fwd: hello (fwd)", "HELLO")]
    [InlineData("[Fwd: Hello]", "HELLO")]
    [InlineData("  Hello   world ", "HELLO WORLD")]
    public void Base_subjects_drop_reply_and_forward_markers(string subject, string expected)
        => Assert.Equal(expected, global::Mail.Host.Mail.MailSortText.BaseSubject(subject));

    [Fact]
    public void References_threads_replies_under_their_parents_and_orders_by_date()
    {
        var t0 = DateTimeOffset.Parse("2024-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        var entries = new List<ThreadBuilder.Entry>
        {
            new(1, "Topic", t0, "a@x", []),
            new(2, "Other", t0.AddMinutes(1), "b@x", []),
            new(3, "Re: Topic", t0.AddMinutes(2), "c@x", ["a@x"]),
            new(4, "Re: Topic", t0.AddMinutes(3), "d@x", ["a@x", "c@x"]),
            new(5, "Re: Topic", t0.AddMinutes(4), "e@x", ["a@x"]),
        };
        Assert.Equal("(1 (3 4)(5))(2)", ThreadBuilder.References(entries));
        Assert.Equal("(1 (3)(4)(5))(2)", ThreadBuilder.OrderedSubject(entries));
    }
}
