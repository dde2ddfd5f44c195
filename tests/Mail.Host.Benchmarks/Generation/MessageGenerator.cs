using System.Globalization;
using System.Net;
using System.Text;
using Mail.Host.Storage;
using MimeKit;

namespace Mail.Host.Benchmarks.Generation;

/// <summary>
/// Generates mail that looks like a company mailbox: named correspondents, subjects and bodies of Zipf-distributed
/// words with set phrases, threads of replies quoting each other, HTML alternatives and binary attachments. The same
/// seed always gives the same messages, byte for byte, so figures from different runs and backends compare.
/// </summary>
/// <remarks>
/// Shape, per message: about 5 KB of headers and text (log-normal body, from a few hundred bytes to about 30 KB); one in four
/// also carries an HTML alternative; one in five carries one or two attachments of 10 to 200 KB (log-uniform,
/// base64); about half belong to threads of 2 to 10 messages with <c>In-Reply-To</c>, <c>References</c> and
/// <c>Re:</c> subjects. One in twenty carries one word of <see cref="Vocabulary.RareWords"/>.
/// </remarks>
internal sealed class MessageGenerator
{
    /// <summary>The seed the benchmarks use.</summary>
    public const int DefaultSeed = 20250401;

    /// <summary>Words below this rank are function words; subjects and file names skip them.</summary>
    private const int FunctionWords = 45;

    private const int LineWidth = 76;

    private static readonly FormatOptions WireFormat = CreateWireFormat();

    private readonly Random random;
    private readonly ZipfSampler words = new(Vocabulary.Words.Length, 1.0);
    private readonly Person[] people;
    private readonly List<MailThread> open = [];
    private DateTimeOffset clock = new(2025, 1, 6, 8, 0, 0, TimeSpan.Zero);
    private int count;

    public MessageGenerator(int seed = DefaultSeed)
    {
        random = new Random(seed);
        people = new Person[300];
        for (var i = 0; i < people.Length; i++)
        {
            var first = Vocabulary.FirstNames[random.Next(Vocabulary.FirstNames.Length)];
            var last = Vocabulary.LastNames[random.Next(Vocabulary.LastNames.Length)];
            var company = random.Next(Vocabulary.Companies.Length);
            var domain = Vocabulary.Domains[company % Vocabulary.Domains.Length];
            var address = string.Create(CultureInfo.InvariantCulture, $"{first.ToLowerInvariant()}.{last.ToLowerInvariant()}{(i >= 150 ? i : string.Empty)}@{domain}");
            people[i] = new Person(first, last, address, Vocabulary.Companies[company]);
        }
    }

    /// <summary>The next <paramref name="total"/> messages.</summary>
    public IEnumerable<GeneratedMessage> Generate(int total)
    {
        for (var i = 0; i < total; i++)
        {
            yield return Next();
        }
    }

    /// <summary>Generates the next message of the sequence.</summary>
    public GeneratedMessage Next()
    {
        var index = count++;
        clock = clock.AddMinutes(random.Next(1, 90));

        // Replies are drawn at about the rate threads ask for them, so conversations finish and the open list stays small.
        MailThread? thread = open.Count > 0 && random.NextDouble() < 0.5 ? open[random.Next(open.Count)] : null;
        var message = new MimeMessage();
        Person from;
        Person[] to;
        Person[] cc;
        string subject;
        if (thread is null)
        {
            from = Pick();
            to = PickMany(1 + Skewed(3));
            cc = random.NextDouble() < 0.5 ? [] : PickMany(1 + Skewed(3));
            subject = NewSubject();
        }
        else
        {
            from = thread.LastTo[0];
            to = [thread.LastFrom];
            cc = thread.Cc;
            subject = "Re: " + thread.Subject;
        }

        var domain = from.Address[(from.Address.IndexOf('@', StringComparison.Ordinal) + 1)..];
        var messageId = string.Create(CultureInfo.InvariantCulture, $"{index:D7}.{random.Next():x8}@{domain}");
        message.From.Add(from.ToMailbox());
        message.To.AddRange(to.Select(p => p.ToMailbox()));
        message.Cc.AddRange(cc.Select(p => p.ToMailbox()));
        message.Subject = subject;
        message.Date = clock;
        message.MessageId = messageId;
        if (thread is not null)
        {
            message.InReplyTo = thread.References[^1];
            foreach (var reference in thread.References.TakeLast(10))
            {
                message.References.Add(reference);
            }
        }

        var text = Body(from, to, thread);
        var builder = new BodyBuilder { TextBody = text };
        if (random.NextDouble() < 0.25)
        {
            builder.HtmlBody = Html(text);
        }

        var attachmentNames = new List<string>();
        if (random.NextDouble() < 0.2)
        {
            var attachments = random.NextDouble() < 0.7 ? 1 : 2;
            for (var i = 0; i < attachments; i++)
            {
                var (name, type, content) = Attachment();
                var part = (MimePart)builder.Attachments.Add(name, content, ContentType.Parse(type));
                part.ContentTransferEncoding = ContentEncoding.Base64;
                attachmentNames.Add(name);
            }
        }

        message.Body = builder.ToMessageBody();
        using var raw = new MemoryStream();
        message.WriteTo(WireFormat, raw);

        if (thread is null)
        {
            if (random.NextDouble() < 0.15)
            {
                open.Add(new MailThread
                {
                    Subject = subject,
                    References = [messageId],
                    LastFrom = from,
                    LastTo = to,
                    Cc = cc,
                    LastBody = text,
                    LastDate = clock,
                    RemainingReplies = random.Next(1, 10),
                });
            }
        }
        else
        {
            thread.References.Add(messageId);
            thread.LastFrom = from;
            thread.LastTo = to;
            thread.LastBody = text;
            thread.LastDate = clock;
            if (--thread.RemainingReplies == 0)
            {
                open.Remove(thread);
            }
        }

        return new GeneratedMessage(index, raw.ToArray(), Fields(from, to, cc, subject, text, attachmentNames));
    }

    private static FormatOptions CreateWireFormat()
    {
        var options = FormatOptions.Default.Clone();
        options.NewLineFormat = NewLineFormat.Dos;
        return options;
    }

    /// <summary>The fields an indexer would take from the message (the text part stands for both alternatives).</summary>
    private static List<FullTextField> Fields(Person from, Person[] to, Person[] cc, string subject, string body, List<string> attachments)
    {
        var fields = new List<FullTextField> { new(FullTextFieldNames.From, from.DisplayName + " " + from.Address) };
        fields.AddRange(to.Select(p => new FullTextField(FullTextFieldNames.To, p.DisplayName + " " + p.Address)));
        fields.AddRange(cc.Select(p => new FullTextField(FullTextFieldNames.Cc, p.DisplayName + " " + p.Address)));
        fields.Add(new FullTextField(FullTextFieldNames.Subject, subject));
        fields.Add(new FullTextField(FullTextFieldNames.Body, body));
        fields.AddRange(attachments.Select(a => new FullTextField(FullTextFieldNames.Attachment, a)));
        return fields;
    }

    private static string Html(string text)
    {
        var html = new StringBuilder("<html><body style=\"font-family: Arial, sans-serif\">\r\n");
        foreach (var paragraph in text.Split("\r\n\r\n"))
        {
            html.Append("<p>").Append(WebUtility.HtmlEncode(paragraph).Replace("\r\n", "<br>\r\n", StringComparison.Ordinal)).Append("</p>\r\n");
        }

        return html.Append("</body></html>\r\n").ToString();
    }

    private Person Pick() => people[random.Next(people.Length)];

    private Person[] PickMany(int n) => Enumerable.Range(0, n).Select(_ => Pick()).DistinctBy(p => p.Address).ToArray();

    /// <summary>0 most often, up to <paramref name="max"/> − 1 rarely.</summary>
    private int Skewed(int max) => (int)Math.Floor(max * random.NextDouble() * random.NextDouble());

    private string Word() => Vocabulary.Words[words.Next(random)];

    private string ContentWord()
    {
        while (true)
        {
            var rank = words.Next(random);
            if (rank >= FunctionWords)
            {
                return Vocabulary.Words[rank];
            }
        }
    }

    private static string Capitalized(string word) => char.ToUpperInvariant(word[0]) + word[1..];

    private string NewSubject()
    {
        var month = CultureInfo.InvariantCulture.DateTimeFormat.GetMonthName(clock.Month);
        return random.Next(9) switch
        {
            0 => $"Meeting notes: {ContentWord()} {ContentWord()}",
            1 => $"Question about the {ContentWord()} {ContentWord()}",
            2 => $"{Capitalized(ContentWord())} update for {month}",
            3 => string.Create(CultureInfo.InvariantCulture, $"Invoice INV-{random.Next(10000, 99999)}"),
            4 => $"Action required: {ContentWord()} {ContentWord()} {ContentWord()}",
            5 => $"[{Vocabulary.Companies[random.Next(Vocabulary.Companies.Length)]}] {Capitalized(ContentWord())} {ContentWord()}",
            6 => $"FW: {Capitalized(ContentWord())} {ContentWord()} {ContentWord()}",
            _ => $"{Capitalized(ContentWord())} {ContentWord()} {ContentWord()}",
        };
    }

    private string Body(Person from, Person[] to, MailThread? thread)
    {
        var body = new StringBuilder();
        body.Append(to.Length > 2 ? "Hi all," : random.Next(3) switch
        {
            0 => $"Hi {to[0].FirstName},",
            1 => $"Hello {to[0].FirstName},",
            _ => $"Dear {to[0].FirstName} {to[0].LastName},",
        }).Append("\r\n\r\n");

        // Log-normal around 3 KB (a message of about 5 KB with headers, signature and quote): most bodies are a few KB, some are a few hundred bytes, a few tens of KB.
        var gaussian = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        var target = Math.Clamp((int)(3000 * Math.Exp(0.55 * gaussian)), 300, 30000);
        var rareAt = random.NextDouble() < 0.05 ? random.Next(target) : -1;
        while (body.Length < target)
        {
            var paragraph = new StringBuilder();
            var sentences = random.Next(2, 7);
            for (var s = 0; s < sentences; s++)
            {
                if (paragraph.Length > 0)
                {
                    paragraph.Append(' ');
                }

                var rare = rareAt >= 0 && body.Length + paragraph.Length >= rareAt;
                paragraph.Append(Sentence(rare));
                if (rare)
                {
                    rareAt = -1;
                }
            }

            Wrap(body, paragraph.ToString());
            body.Append("\r\n\r\n");
        }

        body.Append(random.Next(3) switch { 0 => "Best regards,", 1 => "Thanks,", _ => "Kind regards," }).Append("\r\n");
        body.Append(from.DisplayName).Append("\r\n").Append(Capitalized(ContentWord())).Append(' ').Append(Capitalized(ContentWord()))
            .Append(", ").Append(from.Company).Append("\r\n");

        if (thread is not null)
        {
            body.Append("\r\nOn ").Append(thread.LastDate.ToString("ddd, d MMM yyyy 'at' HH:mm", CultureInfo.InvariantCulture))
                .Append(", ").Append(thread.LastFrom.DisplayName).Append(" <").Append(thread.LastFrom.Address).Append("> wrote:\r\n");
            foreach (var line in thread.LastBody.Split("\r\n").Take(15))
            {
                body.Append('>').Append(line.Length > 0 ? " " : string.Empty).Append(line).Append("\r\n");
            }
        }

        return body.ToString();
    }

    private string Sentence(bool rare)
    {
        var sentence = new StringBuilder();
        var length = random.Next(5, 19);
        var phraseAt = random.NextDouble() < 0.02 ? random.Next(length) : -1;
        var rareAt = rare ? random.Next(length) : -1;
        for (var w = 0; w < length; w++)
        {
            if (w > 0)
            {
                sentence.Append(random.NextDouble() < 0.06 ? ", " : " ");
            }

            if (w == phraseAt)
            {
                sentence.Append(Vocabulary.Phrases[random.Next(Vocabulary.Phrases.Length)]);
            }
            else if (w == rareAt)
            {
                sentence.Append(Vocabulary.RareWords[random.Next(Vocabulary.RareWords.Length)]);
            }
            else if (random.NextDouble() < 0.01)
            {
                // Numbers appear in real mail (amounts, references, dates) and are terms of their own.
                sentence.Append(random.Next(3) switch
                {
                    0 => string.Create(CultureInfo.InvariantCulture, $"INV-{random.Next(10000, 99999)}"),
                    1 => string.Create(CultureInfo.InvariantCulture, $"{random.Next(1, 99)},{random.Next(100, 999)}.00"),
                    _ => clock.AddDays(random.Next(1, 30)).ToString("d MMMM", CultureInfo.InvariantCulture),
                });
            }
            else
            {
                sentence.Append(Word());
            }
        }

        sentence[0] = char.ToUpperInvariant(sentence[0]);
        sentence.Append(random.NextDouble() < 0.12 ? '?' : '.');
        return sentence.ToString();
    }

    private static void Wrap(StringBuilder body, string paragraph)
    {
        var column = 0;
        foreach (var word in paragraph.Split(' '))
        {
            if (column > 0 && column + 1 + word.Length > LineWidth)
            {
                body.Append("\r\n");
                column = 0;
            }
            else if (column > 0)
            {
                body.Append(' ');
                column++;
            }

            body.Append(word);
            column += word.Length;
        }
    }

    private (string Name, string ContentType, byte[] Content) Attachment()
    {
        var size = (int)Math.Exp(Math.Log(10 * 1024) + (random.NextDouble() * Math.Log(20)));
        var (extension, type, header) = random.Next(8) switch
        {
            0 => ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "PK\u0003\u0004"),
            1 => ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "PK\u0003\u0004"),
            2 => ("png", "image/png", "\u0089PNG\r\n\u001a\n"),
            _ => ("pdf", "application/pdf", "%PDF-1.7\n%\u00e2\u00e3\u00cf\u00d3\n"),
        };

        // Compressed document content is close to random bytes: it neither compresses nor repeats between messages.
        var content = new byte[size];
        random.NextBytes(content);
        Encoding.Latin1.GetBytes(header).CopyTo(content, 0);
        var stem = Vocabulary.AttachmentStems[random.Next(Vocabulary.AttachmentStems.Length)];
        var name = string.Create(CultureInfo.InvariantCulture, $"{stem}-{ContentWord()}-{clock:yyyy-MM}.{extension}");
        return (name, type, content);
    }
}
