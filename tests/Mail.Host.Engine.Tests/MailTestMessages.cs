using System.Text;
using MimeKit;

namespace Mail.Host.Engine.Tests;

/// <summary>Raw messages for the engine suite, well-formed and malformed, built in code.</summary>
internal static class MailTestMessages
{
    public static byte[] Simple(string subject, string body = "Hello.", string? messageId = null, string? inReplyTo = null, string from = "Alice <alice@example.com>", string to = "bob@example.com")
    {
        var builder = new StringBuilder();
        builder.Append("From: ").Append(from).Append("\r\n");
        builder.Append("To: ").Append(to).Append("\r\n");
        builder.Append("Subject: ").Append(subject).Append("\r\n");
        builder.Append("Date: Tue, 01 Apr 2025 10:00:00 +0200\r\n");
        if (messageId is not null)
        {
            builder.Append("Message-ID: <").Append(messageId).Append(">\r\n");
        }

        if (inReplyTo is not null)
        {
            builder.Append("In-Reply-To: <").Append(inReplyTo).Append(">\r\n");
            builder.Append("References: <").Append(inReplyTo).Append(">\r\n");
        }

        builder.Append("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n");
        builder.Append(body).Append("\r\n");
        return Encoding.UTF8.GetBytes(builder.ToString());
    }

    /// <summary>A message built with MimeKit: text and/or HTML bodies, an optional attachment, extra header fields.</summary>
    public static byte[] Rich(
        string subject,
        string from,
        string to,
        string? cc = null,
        string? text = null,
        string? html = null,
        string? attachmentName = null,
        DateTimeOffset? date = null,
        params (string Name, string Value)[] headers)
    {
        var message = new MimeMessage();
        message.From.AddRange(InternetAddressList.Parse(from));
        message.To.AddRange(InternetAddressList.Parse(to));
        if (cc is not null)
        {
            message.Cc.AddRange(InternetAddressList.Parse(cc));
        }

        message.Subject = subject;
        foreach (var (name, value) in headers)
        {
            message.Headers.Add(name, value);
        }

        var body = new BodyBuilder { TextBody = text, HtmlBody = html };
        if (attachmentName is not null)
        {
            body.Attachments.Add(attachmentName, Encoding.UTF8.GetBytes("attachment content, not indexed"), new ContentType("application", "octet-stream"));
        }

        message.Body = body.ToMessageBody();
        if (date is { } sent)
        {
            message.Date = sent;
        }
        else
        {
            message.Headers.Remove(HeaderId.Date);
        }

        using var stream = new MemoryStream();
        message.WriteTo(FormatOptions.Default, stream);
        return stream.ToArray();
    }

    /// <summary>A plain-text message of exactly <paramref name="size"/> bytes, the body padded to reach it.</summary>
    public static byte[] OfSize(int size, string subject, string from, string to, string? cc = null, string? date = null)
    {
        var header = new StringBuilder();
        header.Append("From: ").Append(from).Append("\r\n");
        header.Append("To: ").Append(to).Append("\r\n");
        if (cc is not null)
        {
            header.Append("Cc: ").Append(cc).Append("\r\n");
        }

        header.Append("Subject: ").Append(subject).Append("\r\n");
        if (date is not null)
        {
            header.Append("Date: ").Append(date).Append("\r\n");
        }

        header.Append("Content-Type: text/plain; charset=us-ascii\r\n\r\n");
        var padding = size - header.Length - 2;
        if (padding < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(size), "The header alone is longer.");
        }

        header.Append('x', padding).Append("\r\n");
        return Encoding.ASCII.GetBytes(header.ToString());
    }

    /// <summary>A multipart/mixed message: a text part, a PDF attachment and an attached message/rfc822.</summary>
    public static byte[] Multipart() => Encoding.ASCII.GetBytes(
        "From: \"Carol Q.\" <carol@example.org>\r\n" +
        "To: dave@example.net, \"Erin\" <erin@example.net>\r\n" +
        "Cc: frank@example.net\r\n" +
        "Reply-To: replies@example.org\r\n" +
        "Subject: =?utf-8?Q?Quarterly_r=C3=A9sum=C3=A9?=\r\n" +
        "Date: Wed, 02 Apr 2025 08:30:00 +0000\r\n" +
        "Message-ID: <multi-1@example.org>\r\n" +
        "References: <root@example.org> <mid@example.org>\r\n" +
        "MIME-Version: 1.0\r\n" +
        "Content-Type: multipart/mixed; boundary=\"outer\"\r\n" +
        "\r\n" +
        "This is the preamble.\r\n" +
        "--outer\r\n" +
        "Content-Type: text/plain; charset=us-ascii\r\n" +
        "\r\n" +
        "First line of the text.\r\n" +
        "   Second    line.\r\n" +
        "--outer\r\n" +
        "Content-Type: application/pdf; name=\"report.pdf\"\r\n" +
        "Content-Disposition: attachment; filename=\"report.pdf\"\r\n" +
        "Content-Transfer-Encoding: base64\r\n" +
        "\r\n" +
        "JVBERi0xLjQKJcOkw7zDtsOfCjIgMCBvYmoKPDwvTGVuZ3RoIDMgMCBSPj4Kc3RyZWFtCg==\r\n" +
        "--outer\r\n" +
        "Content-Type: message/rfc822\r\n" +
        "\r\n" +
        "From: inner@example.com\r\n" +
        "Subject: Inner message\r\n" +
        "Content-Type: multipart/alternative; boundary=inner\r\n" +
        "\r\n" +
        "--inner\r\n" +
        "Content-Type: text/plain\r\n" +
        "\r\n" +
        "inner text\r\n" +
        "--inner\r\n" +
        "Content-Type: text/html\r\n" +
        "\r\n" +
        "<p>inner html</p>\r\n" +
        "--inner--\r\n" +
        "\r\n" +
        "--outer--\r\n" +
        "The epilogue.\r\n");

    public static byte[] BrokenBoundary() => Encoding.ASCII.GetBytes(
        "From: a@example.com\r\nSubject: broken boundary\r\nContent-Type: multipart/mixed; boundary=\"declared\"\r\n\r\n" +
        "--other\r\nContent-Type: text/plain\r\n\r\nthe boundary never appears\r\n--declared-but-not-really\r\nmore\r\n");

    public static byte[] GarbageHeaders()
    {
        var stream = new MemoryStream();
        stream.Write("From: "u8);
        stream.Write([0xC3, 0x28, 0xFF, 0xFE, 0x80, 0x81]);
        stream.Write(" <x@example.com>\r\nSubject: "u8);
        stream.Write([0xE9, 0xE8, 0x00, 0x1B, 0xF0, 0x9F]);
        stream.Write("\r\nContent-Type: text/plain; charset=\"\xff\"\r\n"u8);
        stream.Write([0x8F, 0x90, 0x3A, 0x20, 0x91, 0x0D, 0x0A]);
        stream.Write("\r\nbody "u8);
        stream.Write([0xFF, 0xFE, 0xFD]);
        stream.Write("\r\n"u8);
        return stream.ToArray();
    }

    public static byte[] MissingSeparator() => Encoding.ASCII.GetBytes(
        "From: a@example.com\r\nSubject: no blank line\r\nthis line is not a header\r\nnor is this one\r\n");

    public static byte[] DeeplyNested(int depth)
    {
        var builder = new StringBuilder("From: a@example.com\r\nSubject: nested\r\nContent-Type: multipart/mixed; boundary=b0\r\n\r\n");
        for (var i = 1; i < depth; i++)
        {
            builder.Append("--b").Append(i - 1).Append("\r\nContent-Type: multipart/mixed; boundary=b").Append(i).Append("\r\n\r\n");
        }

        builder.Append("--b").Append(depth - 1).Append("\r\nContent-Type: text/plain\r\n\r\ndeep inside\r\n");
        for (var i = depth - 1; i >= 0; i--)
        {
            builder.Append("--b").Append(i).Append("--\r\n");
        }

        return Encoding.ASCII.GetBytes(builder.ToString());
    }

    public static byte[] LongLine(int length)
    {
        var header = "From: a@example.com\r\nSubject: one long line\r\n\r\n"u8;
        var bytes = new byte[header.Length + length + 2];
        header.CopyTo(bytes);
        bytes.AsSpan(header.Length, length).Fill((byte)'x');
        bytes[^2] = (byte)'\r';
        bytes[^1] = (byte)'\n';
        return bytes;
    }
}
