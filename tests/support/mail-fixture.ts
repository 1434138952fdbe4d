import type { Db } from "#lib/db";
import type { SignedInUser } from "#lib/auth/sign-in";
import type { CreateEmailAccountInput, PublicEmailAccount } from "#lib/email-accounts/schemas";
import { createOAuthFixture, type OAuthFixture } from "./oauth-fixture";
import { startDovecot, type TestDovecot } from "./dovecot";

export interface MailFixture extends OAuthFixture {
  dovecot: TestDovecot;
  appId: string;
  /** A user connected to the test provider as `email`, owning an OAuth mail account on Dovecot. */
  mailUser(email: string, overrides?: Partial<CreateEmailAccountInput>): Promise<{ user: SignedInUser; account: PublicEmailAccount }>;
}

let counter = 0;

/** A unique test message; `extra` headers and body can be given. */
export function testMessage(options: { subject?: string; messageId?: string; from?: string; body?: string; headers?: string } = {}): string {
  counter++;
  const messageId = options.messageId ?? `<msg-${Date.now()}-${counter}@example.test>`;
  return [
    `From: ${options.from ?? "Sender <sender@example.test>"}`,
    "To: someone@example.test",
    `Subject: ${options.subject ?? `Test message ${counter}`}`,
    `Message-ID: ${messageId}`,
    "Date: Wed, 25 Nov 2026 10:00:00 +0000",
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    ...(options.headers ? [options.headers] : []),
    "",
    options.body ?? `Body of message ${counter}.`,
    "",
  ].join("\r\n");
}

/** The OAuth fixture plus Dovecot checking tokens at the test provider, and OAuth mail accounts on it. */
export async function createMailFixture(options: { databaseUrl?: string } = {}): Promise<MailFixture> {
  const fixture = await createOAuthFixture(options);
  const app = await fixture.createApp();
  const dovecot = await startDovecot({
    introspectionUrl: fixture.provider.resourceServer.introspectionEndpoint,
    clientId: fixture.provider.resourceServer.clientId,
    clientSecret: fixture.provider.resourceServer.clientSecret,
  });
  return {
    ...fixture,
    dovecot,
    appId: app.id,
    mailUser: (email, overrides = {}) => fixture.mailAccountOwner(app.id, email, { imap: dovecot.port, smtp: 2525 }, { overrides }),
  };
}

export async function waitFor<T>(check: () => Promise<T | null | undefined | false>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export type { Db };
