using System.Text;
using Mail.Host.Engine.Mail;
using Mail.Host.Mail;
using Mail.Host.Storage;
using Xunit;

namespace Mail.Host.Engine.Tests;

/// <summary>IMAP's substring conditions (<see cref="MailFilter.Substring"/>), on every backend and every way of answering them.</summary>
public abstract partial class MailEngineConformance
{
    /// <summary>
    /// FROM, TO, CC, BCC, SUBJECT, BODY and TEXT find a fragment anywhere in the decoded text, inside words too: a group's
    /// display name, an RFC 2047 subject, an X- header for TEXT only, quoted-printable and base64 bodies. The answers are
    /// the same whether the messages are read directly, proposed by the index looking inside its words, or all read
    /// because the index cannot look inside words.
    /// </summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task Substring_conditions_find_fragments_inside_words_in_every_field_whichever_way_they_are_answered()
    {
        var account = Engine.OpenAccount(1);
        var inbox = await InboxAsync(account);
        var first = await AppendRawAsync(account, inbox.Id, Encoding.UTF8.GetBytes(
            "From: Jean Dupont <jean.dupont@exemple.fr>\r\n" +
            "To: Project Team: ann@example.com, bob@example.com;, Carl <carl@example.org>\r\n" +
            "Cc: Dora Cinque <dora@example.net>\r\n" +
            "Bcc: Eve Stealth <eve.hidden@example.com>\r\n" +
            "Subject: =?utf-8?B?UsOpdW5pb24gYnVkZ8OpdGFpcmU=?=\r\n" +
            "X-Tracking: qwertyuiop\r\n" +
            "X-Folded: the first line\r\n and its =?iso-8859-1?Q?suite_=E9crite?=\r\n" +
            "Date: Tue, 01 Apr 2025 10:00:00 +0200\r\n" +
            "MIME-Version: 1.0\r\n" +
            "Content-Type: text/plain; charset=utf-8\r\n" +
            "Content-Transfer-Encoding: quoted-printable\r\n\r\n" +
            "Le caf=C3=A9 est r=C3=A9serv=C3=A9 pour la reservation du jeudi.\r\n"));
        var second = await AppendRawAsync(account, inbox.Id, Encoding.UTF8.GetBytes(
            "From: mallory@example.com\r\n" +
            "To: undisclosed-recipients:;\r\n" +
            "Subject: plain\r\n" +
            "Date: Tue, 01 Apr 2025 11:00:00 +0200\r\n" +
            "MIME-Version: 1.0\r\n" +
            "Content-Type: multipart/mixed; boundary=b1\r\n\r\n" +
            "--b1\r\n" +
            "Content-Type: text/plain; charset=utf-8\r\n" +
            "Content-Transfer-Encoding: base64\r\n\r\n" +
            Convert.ToBase64String(Encoding.UTF8.GetBytes("asdfghjkl zxcvbnm qwertyuiop-free body")) + "\r\n" +
            "--b1\r\n" +
            "Content-Type: application/octet-stream; name=report-final.pdf\r\n" +
            "Content-Disposition: attachment; filename=report-final.pdf\r\n" +
            "Content-Transfer-Encoding: base64\r\n\r\n" +
            "AAECAw==\r\n" +
            "--b1--\r\n"));
        var third = await AppendRawAsync(account, inbox.Id, MailTestMessages.Rich(
            "Foobar weekly",
            "Alice <alice@example.com>",
            "bob@example.com",
            html: "<html><body><p>The <b>foo</b>bar service is <i>down</i>.</p></body></html>"));

        async Task CheckAsync(MailEngine engine, string way)
        {
            var searched = engine.OpenAccount(1);
            async Task<uint[]> Search(MailTextField field, string value)
                => [.. await searched.SearchMailboxAsync(inbox.Id, new MailFilter.Substring(field, value))];

            void Expect(uint[] expected, uint[] actual, string what)
                => Assert.True(expected.SequenceEqual(actual), $"{way}: {what}: expected [{string.Join(' ', expected)}], got [{string.Join(' ', actual)}]");

            Expect([first.Uid], await Search(MailTextField.From, "an.dup"), "FROM inside a word");
            Expect([first.Uid], await Search(MailTextField.From, "JEAN DUPONT <jean"), "FROM across the name and the address");
            Expect([third.Uid], await Search(MailTextField.From, "lic"), "FROM by a fragment of a name");
            Expect([second.Uid, third.Uid], await Search(MailTextField.From, "e.com"), "FROM by a fragment of an address");
            Expect([first.Uid], await Search(MailTextField.To, "ject tea"), "TO by a group's display name");
            Expect([first.Uid, third.Uid], await Search(MailTextField.To, "ob@exam"), "TO by a group member and a plain address");
            Expect([second.Uid], await Search(MailTextField.To, "undisclosed"), "TO by an empty group's name");
            Expect([first.Uid], await Search(MailTextField.Cc, "a cinq"), "CC");
            Expect([first.Uid], await Search(MailTextField.Bcc, "hidden@"), "BCC");
            Expect([], await Search(MailTextField.Bcc, "dora"), "BCC does not look in CC");
            Expect([first.Uid], await Search(MailTextField.Subject, "union budg"), "SUBJECT decoded from RFC 2047");
            Expect([first.Uid], await Search(MailTextField.Subject, "réunion"), "SUBJECT with its accents");
            Expect([first.Uid], await Search(MailTextField.Body, "servati"), "BODY in quoted-printable");
            Expect([first.Uid], await Search(MailTextField.Body, "café est"), "BODY decoded to UTF-8");
            Expect([second.Uid], await Search(MailTextField.Body, "XCVBN"), "BODY in base64, without case");
            Expect([third.Uid], await Search(MailTextField.Body, "foobar serv"), "BODY of HTML, as the text it shows");
            Expect([third.Uid], await Search(MailTextField.Body, "obar"), "BODY inside a word");
            Expect([], await Search(MailTextField.Body, "<b>"), "BODY does not hold HTML markup");
            Expect([], await Search(MailTextField.Body, "Stealth"), "BODY does not look in headers");
            Expect([second.Uid], await Search(MailTextField.Body, "wertyuiop-fr"), "BODY only where the body holds it");
            Expect([first.Uid, second.Uid], await Search(MailTextField.Any, "wertyuio"), "TEXT in an X- header and in a body");
            Expect([first.Uid], await Search(MailTextField.Any, "union budg"), "TEXT in a decoded subject");
            Expect([first.Uid], await Search(MailTextField.Any, "line and its"), "TEXT across a folded header line");
            Expect([first.Uid], await Search(MailTextField.Any, "suite écrite"), "TEXT in an encoded word of an X- header");
            Expect([third.Uid], await Search(MailTextField.Any, "oobar ser"), "TEXT in a body");
            Expect([second.Uid], await Search(MailTextField.Any, "rt-fin"), "TEXT in an attachment name");
            Expect([second.Uid], await Search(MailTextField.AttachmentName, "final.p"), "attachment names");
            Expect([], await Search(MailTextField.Any, "nowhere-to-be-found"), "TEXT with no match");
            Expect([first.Uid, second.Uid, third.Uid], await Search(MailTextField.Body, string.Empty), "an empty value");
            Expect([], await Search(MailTextField.Body, "@@"), "a value without letters");

            // Cheaper conditions are applied first, and the substring only to what they leave.
            Expect([second.Uid], [.. await searched.SearchMailboxAsync(inbox.Id, MailFilter.AllOf(new MailFilter.Substring(MailTextField.Any, "wertyuio"), new MailFilter.Uids([new UidRange(second.Uid, second.Uid)])))], "with a UID condition");
            Expect([first.Uid], [.. await searched.SearchMailboxAsync(inbox.Id, MailFilter.AllOf(new MailFilter.Substring(MailTextField.Any, "wertyuio"), MailFilter.NoneOf(new MailFilter.Substring(MailTextField.Body, "wertyuio"))))], "with NOT");
            Expect([first.Uid, third.Uid], [.. await searched.SearchMailboxAsync(inbox.Id, MailFilter.AnyOf(new MailFilter.Substring(MailTextField.Cc, "cinq"), new MailFilter.Substring(MailTextField.Body, "bar ser")))], "with OR");

            // The same through an account-wide query.
            Assert.Equal([first.EmailId], await searched.QueryEmailsAsync(new MailFilter.Substring(MailTextField.From, "dupont@exemple")));
        }

        // Few messages: read directly.
        await CheckAsync(Engine, "read directly");

        // The index proposes the messages to read, looking inside its words when it can.
        await CheckAsync(new MailEngine(Data, Blobs, new MailEngineOptions { SubstringDirectReads = 0 }, Clock, fullText: CreateFullTextStore(Data)), "proposed by the index");

        // An index that cannot look inside words: fragments of one word read every message.
        await CheckAsync(new MailEngine(Data, Blobs, new MailEngineOptions { SubstringDirectReads = 0 }, Clock, fullText: new WordsOnlyFullTextStore(CreateFullTextStore(Data))), "with an index that cannot look inside words");

        // Without any index, every message is read.
        await CheckAsync(new MailEngine(Data, Blobs, new MailEngineOptions { SubstringDirectReads = 0 }, Clock), "without an index");
    }

    /// <summary>
    /// A fragment of one word that the index holds as a whole word is also found inside longer words, before and after
    /// (<c>foo</c> in <c>foobar</c> and <c>barfoo</c>), and only the proposed messages are read.
    /// </summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task A_substring_that_is_also_a_word_finds_it_inside_longer_words_and_reads_only_what_the_index_proposes()
    {
        // Messages read from the blob store are counted there, so none is kept in the data store for this test.
        var engine = new MailEngine(Data, Blobs, new MailEngineOptions { SubstringDirectReads = 0, InlineMessageBytes = 0 }, Clock, fullText: CreateFullTextStore(Data));
        var account = engine.OpenAccount(1);
        var inbox = await InboxAsync(account);
        var expected = new List<uint>();
        for (var i = 0; i < 40; i++)
        {
            var body = (i % 10) switch
            {
                0 => "a foo here",
                1 => "a foobar here",
                2 => "a barfoo here",
                3 => "a xFOOx here",
                _ => $"filler text number {i}",
            };
            var appended = await AppendRawAsync(account, inbox.Id, MailTestMessages.Simple($"message {i}", body));
            if (i % 10 < 4)
            {
                expected.Add(appended.Uid);
            }
        }

        var reads = Blobs.Reads;
        Assert.Equal(expected, await engine.OpenAccount(1).SearchMailboxAsync(inbox.Id, new MailFilter.Substring(MailTextField.Body, "foo")));
        if (await CreateFullTextStore(Data).QueryWordsContainingAsync(1, FullTextFieldNames.Body, "foo") is not null)
        {
            // One blob read per proposed message (the 16 that hold it), none for the other 24.
            Assert.Equal(expected.Count, Blobs.Reads - reads);
        }
    }

    /// <summary>An index that answers word queries and cannot look inside words: the contract's default.</summary>
    private sealed class WordsOnlyFullTextStore(IFullTextStore inner) : IFullTextStore
    {
        public ValueTask IndexAsync(FullTextDocument document, CancellationToken cancellationToken = default) => inner.IndexAsync(document, cancellationToken);

        public ValueTask<IReadOnlyList<ulong>> QueryAsync(ulong accountId, FullTextFilter filter, CancellationToken cancellationToken = default) => inner.QueryAsync(accountId, filter, cancellationToken);

        public ValueTask RemoveAsync(ulong accountId, ulong documentId, CancellationToken cancellationToken = default) => inner.RemoveAsync(accountId, documentId, cancellationToken);

        public ValueTask RemoveAccountAsync(ulong accountId, CancellationToken cancellationToken = default) => inner.RemoveAccountAsync(accountId, cancellationToken);
    }
}
