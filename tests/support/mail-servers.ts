import { startDovecot, type TestDovecot } from "./dovecot";
import { startTestProvider, type TestProvider } from "./oidc-provider";
import { startSmtpServer, type TestSmtpServer } from "./smtp-server";

export interface MailServers {
  provider: TestProvider;
  dovecot: TestDovecot;
  smtp: TestSmtpServer;
}

/**
 * The servers a mail test needs around the app: an OpenID provider, and a
 * Dovecot and an SMTP server that accept that provider's tokens (XOAUTH2,
 * checked by introspection). Each stops itself after the file.
 */
export async function startMailServers(): Promise<MailServers> {
  const provider = await startTestProvider();
  const dovecot = await startDovecot({
    introspectionUrl: provider.resourceServer.introspectionEndpoint,
    clientId: provider.resourceServer.clientId,
    clientSecret: provider.resourceServer.clientSecret,
  });
  const smtp = await startSmtpServer({ introspect: (token) => provider.introspect(token) });
  return { provider, dovecot, smtp };
}
