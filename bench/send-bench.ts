import { randomUUID } from "node:crypto";
import { createBenchDatabase } from "./bench-database";
import { createDb } from "#lib/db";
import { generateKeyringEntry } from "#lib/crypto";
import { setRuntimeEnv } from "#lib/env";
import { createConnectedApp } from "#lib/connected-apps/create-connected-app";
import { createEmailAccount } from "#lib/email-accounts/create-email-account";
import { stopJobSender } from "#lib/queue/enqueue-job";
import { createSmtpTransport } from "#lib/mail/create-smtp-transport";
import { mailCredentials } from "#lib/mail/mail-credentials";
import { enqueueOutboundMessage } from "#lib/outbound/enqueue-outbound-message";
import { drainOutboundQueue } from "#lib/outbound/drain-outbound-queue";
import { startAuthorization } from "#lib/oauth/start-authorization";
import { completeConnection } from "#lib/tokens/complete-connection";
import { startTestProvider } from "#tests/support/oidc-provider";
import { startSmtpServer } from "#tests/support/smtp-server";
import { runCleanups } from "#tests/support/cleanup";

/**
 * Send figures: messages per second through the outbound queue (rows in
 * PostgreSQL, drained by drainOutboundQueue) against raw pooled nodemailer
 * with TCP_NODELAY, both on the same in-process SMTP test server (XOAUTH2
 * checked by introspection) with the same 3 connections, in one run.
 */

const MESSAGES = 2000;
// Long enough for V8 and the query paths to warm up: a cold first drain runs at about two thirds of a warm one.
const WARM_UP = 2000;
const ROUNDS = 3;
const CONNECTIONS = 3;

const round = (value: number) => Math.round(value * 10) / 10;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export async function sendBench(adminUrl: string): Promise<Record<string, unknown>> {
  const database = await createBenchDatabase(adminUrl);
  setRuntimeEnv({
    DATABASE_URL: database.url,
    ENCRYPTION_KEYS: generateKeyringEntry("v1"),
    INSECURE_OAUTH_HOSTS: "127.0.0.1",
    APP_URL: "http://127.0.0.1:3999",
    LOG_LEVEL: "silent",
  });
  const db = createDb(database.url);
  const provider = await startTestProvider();
  const smtp = await startSmtpServer({ introspect: (token) => provider.introspect(token) });
  try {
    const email = "bench@example.test";
    const user = await db.user.create({ data: { email, name: "bench", role: "admin" } });
    const caller = { id: user.id, email, name: user.name, role: user.role };
    const app = await createConnectedApp(
      db,
      { providerName: "Bench IdP", openidConfigurationUrl: provider.discoveryUrl, clientId: "bench", clientSecret: "bench-secret", scopes: ["openid", "email", "offline_access"] },
      { id: user.id },
    );
    await provider.addClient({ clientId: "bench", clientSecret: "bench-secret", redirectUris: [app.redirectUri] });
    const callback = new URL(await provider.authorizeHeadless(await startAuthorization(db, { connectedAppId: app.id, userId: user.id }), { login: email }));
    await completeConnection(db, { connectedAppId: app.id, userId: user.id, callbackParams: callback.searchParams });
    const account = await createEmailAccount(
      db,
      {
        emailAddress: email,
        displayName: "Bench",
        authMethod: "oauth",
        connectedAppId: app.id,
        imap: { host: "127.0.0.1", port: 993, security: "none", login: email },
        smtp: { host: "127.0.0.1", port: smtp.port, security: "none", login: email },
        sendLimits: { perMinute: 100_000, connections: CONNECTIONS },
      },
      caller,
    );

    const content = (i: number) => ({ subject: `Bench message ${i}`, text: `Hello, this is bench message ${i}.\nRegards,\nBench` });
    const insertRows = async (count: number) => {
      await db.outboundMessage.createMany({
        data: Array.from({ length: count }, (_, i) => ({
          emailAccountId: account.id,
          messageId: `<${randomUUID()}@example.test>`,
          toAddresses: ["rcpt@example.org"],
          ...content(i),
        })),
      });
    };

    // Raw: the same transport factory (checked address, TCP_NODELAY), the pool fed all at once.
    const row = await db.emailAccount.findUniqueOrThrow({ where: { id: account.id } });
    const raw = await createSmtpTransport({ host: "127.0.0.1", port: smtp.port, security: "none" }, await mailCredentials(db, row, email), {
      pool: true,
      maxConnections: CONNECTIONS,
    });
    const rawMessage = (i: number) => ({ messageId: `<${randomUUID()}@example.test>`, from: { name: "Bench", address: email }, to: "rcpt@example.org", ...content(i) });
    // Two ways to feed the pool; the faster one is the baseline (one sender per connection usually wins).
    const rawAllAtOnce = async (count: number) => {
      const start = performance.now();
      await Promise.all(Array.from({ length: count }, (_, i) => raw.sendMail(rawMessage(i))));
      return count / ((performance.now() - start) / 1000);
    };
    const rawOnePerConnection = async (count: number) => {
      let next = 0;
      const start = performance.now();
      await Promise.all(
        Array.from({ length: CONNECTIONS }, async () => {
          while (next < count) await raw.sendMail(rawMessage(next++));
        }),
      );
      return count / ((performance.now() - start) / 1000);
    };
    const queueSend = async (count: number) => {
      await insertRows(count);
      const start = performance.now();
      const result = await drainOutboundQueue(db, account.id);
      const elapsed = (performance.now() - start) / 1000;
      if (result.sent !== count) throw new Error(`the drain sent ${result.sent} of ${count}: ${JSON.stringify(result)}`);
      return count / elapsed;
    };

    await rawOnePerConnection(WARM_UP);
    await queueSend(WARM_UP);
    // Rounds alternate the three, so a busy moment of the machine hits them alike; medians are reported.
    const samples = { queue: [] as number[], rawOnePerConnection: [] as number[], rawAllAtOnce: [] as number[] };
    const before = smtp.messages.length;
    for (let round = 0; round < ROUNDS; round++) {
      samples.rawOnePerConnection.push(await rawOnePerConnection(MESSAGES));
      samples.queue.push(await queueSend(MESSAGES));
      samples.rawAllAtOnce.push(await rawAllAtOnce(MESSAGES));
    }
    raw.close();
    const recorded = smtp.messages.length - before;
    if (recorded !== 3 * ROUNDS * MESSAGES) throw new Error(`the server recorded ${recorded} of ${3 * ROUNDS * MESSAGES} messages`);
    const queueMessagesPerSecond = median(samples.queue);
    const rawOnePerConnectionMessagesPerSecond = median(samples.rawOnePerConnection);
    const rawAllAtOnceMessagesPerSecond = median(samples.rawAllAtOnce);
    const rawNodemailerMessagesPerSecond = Math.max(rawOnePerConnectionMessagesPerSecond, rawAllAtOnceMessagesPerSecond);

    // Enqueue through the API function (validation, access check, row, pg-boss job): sequential callers.
    const enqueueCount = 300;
    const enqueueStart = performance.now();
    for (let i = 0; i < enqueueCount; i++) {
      await enqueueOutboundMessage(db, { emailAccountId: account.id, input: { to: ["rcpt@example.org"], ...content(i) }, caller });
    }
    const enqueueMessagesPerSecond = enqueueCount / ((performance.now() - enqueueStart) / 1000);

    return {
      messages: MESSAGES,
      rounds: ROUNDS,
      connections: CONNECTIONS,
      queueMessagesPerSecond: round(queueMessagesPerSecond),
      rawNodemailerMessagesPerSecond: round(rawNodemailerMessagesPerSecond),
      rawAllAtOnceMessagesPerSecond: round(rawAllAtOnceMessagesPerSecond),
      rawOnePerConnectionMessagesPerSecond: round(rawOnePerConnectionMessagesPerSecond),
      ratio: Math.round((queueMessagesPerSecond / rawNodemailerMessagesPerSecond) * 1000) / 1000,
      enqueueMessagesPerSecond: round(enqueueMessagesPerSecond),
    };
  } finally {
    await stopJobSender();
    await runCleanups();
    await db.$disconnect();
    await database.drop();
  }
}
