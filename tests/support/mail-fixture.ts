import { listMailWorkers } from "#lib/mail/list-mail-workers";
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

/** Polls `check` until it gives a value; on timeout the error says what was awaited and, with `explain`, the state then. */
export async function waitFor<T>(
  check: () => Promise<T | null | undefined | false>,
  timeoutMs: number,
  what: string,
  explain?: () => Promise<string>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) {
      const state = explain ? `\n${await explain().catch((error: unknown) => `(no state: ${String(error)})`)}` : "";
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${state}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The mail workers' state, for a test that timed out waiting on them: each worker, its claims, each account. */
export async function describeMailWorkers(db: Db): Promise<string> {
  const workers = await listMailWorkers(db);
  const accounts = await db.$queryRaw<{ email: string; worker: string | null; epoch: bigint | null; status: string; last_error: string | null; synced_ago: number | null; messages: bigint }[]>`
    SELECT a.email_address AS email, l.worker_id::text AS worker, l.epoch, a.incoming_status::text AS status, a.last_error,
           extract(epoch FROM now() - a.last_sync_at)::float8 AS synced_ago, (SELECT count(*) FROM inbound_messages m WHERE m.email_account_id = a.id) AS messages
      FROM email_accounts a LEFT JOIN mail_account_leases l ON l.email_account_id = a.id ORDER BY a.email_address`;
  return [
    ...workers.map((w) => `worker ${w.id} pid ${w.pid}: ${w.alive ? "alive" : "gone"}, last heartbeat ${w.heartbeatAt}, ${w.accounts} claims`),
    ...accounts.map(
      (a) =>
        `${a.email}: ${a.worker ? `held by ${a.worker} (epoch ${a.epoch})` : "unclaimed"}, ${a.status}, synced ${a.synced_ago === null ? "never" : `${a.synced_ago.toFixed(1)} s ago`}, ${a.messages} messages${a.last_error ? `, last error: ${a.last_error}` : ""}`,
    ),
  ].join("\n");
}

export type { Db };
