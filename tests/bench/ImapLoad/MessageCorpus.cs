using System.Text;

namespace Mail.Host.ImapLoad;

/// <summary>
/// The messages every server gets: generated from a fixed seed, so two servers (or two runs) see the same mailbox.
/// Plain-text and multipart messages of 1-20 KB with varied senders, subjects and dates.
/// </summary>
internal sealed class MessageCorpus
{
    /// <summary>The words bodies and subjects are made of.</summary>
    public static readonly string[] Words = ["alpha", "budget", "meeting", "report", "server", "mail", "quarter", "review", "invoice", "travel", "schedule", "project", "draft", "release", "update", "network"];
    private readonly List<string> messages = [];

    public MessageCorpus(int count, int seed = 20261129)
    {
        var random = new Random(seed);
        for (var i = 0; i < count; i++)
        {
            messages.Add(Make(random, i));
        }
    }

    public int Count => messages.Count;

    public string this[int index] => messages[index % messages.Count];

    private static string Make(Random random, int index)
    {
        var text = new StringBuilder();
        var from = $"user{random.Next(50)}@sender{random.Next(5)}.example";
        var date = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddMinutes(index * 37 + random.Next(30));
        text.Append("From: Sender ").Append(index % 50).Append(" <").Append(from).Append(">\r\n");
        text.Append("To: load@bench.example\r\n");
        text.Append("Subject: ").Append(Words[random.Next(Words.Length)]).Append(' ').Append(Words[random.Next(Words.Length)]).Append(" #").Append(index).Append("\r\n");
        text.Append("Date: ").Append(date.ToString("ddd, dd MMM yyyy HH:mm:ss +0000", System.Globalization.CultureInfo.InvariantCulture)).Append("\r\n");
        text.Append("Message-ID: <load-").Append(index).Append("@bench.example>\r\n");
        var size = 1024 + random.Next(19 * 1024);
        var multipart = random.Next(4) == 0;
        if (multipart)
        {
            text.Append("MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b").Append(index).Append("\"\r\n\r\n");
            text.Append("--b").Append(index).Append("\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n");
        }
        else
        {
            text.Append("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n");
        }

        var line = new StringBuilder();
        while (text.Length < size)
        {
            line.Append(Words[random.Next(Words.Length)]).Append(' ');
            if (line.Length > 70)
            {
                text.Append(line).Append("\r\n");
                line.Clear();
            }
        }

        text.Append(line).Append("\r\n");
        if (multipart)
        {
            text.Append("--b").Append(index).Append("\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n");
            var bytes = new byte[512 + random.Next(2048)];
            random.NextBytes(bytes);
            var base64 = Convert.ToBase64String(bytes);
            for (var i = 0; i < base64.Length; i += 76)
            {
                text.Append(base64.AsSpan(i, Math.Min(76, base64.Length - i))).Append("\r\n");
            }

            text.Append("--b").Append(index).Append("--\r\n");
        }

        return text.ToString();
    }
}
