using Mail.Host.Cli;

return await MailHostCommandLine.RunAsync(args).ConfigureAwait(false);
