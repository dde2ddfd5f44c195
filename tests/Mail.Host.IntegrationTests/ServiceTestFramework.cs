// Tests of classes whose server is not configured are reported skipped, with the reason (see RequiresEnvironmentAttribute).
[assembly: TestFramework("Mail.Host.Tests.Services.ServiceTestFramework", "Mail.Host.IntegrationTests")]
