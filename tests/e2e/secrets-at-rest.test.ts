import { randomBytes } from "node:crypto";
import pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import { open } from "#lib/crypto";
import { setRuntimeEnv } from "#lib/env";
import { sealedColumnContext, sealedColumns } from "#lib/secrets/sealed-columns";
import { startAppServer, type AppServer } from "#tests/support/app-server";
import type { TestDovecot } from "#tests/support/dovecot";
import { startMailServers } from "#tests/support/mail-servers";
import { HttpSession } from "#tests/support/http-session";
import { testMessage, waitFor } from "#tests/support/mail-fixture";
import type { TestProvider } from "#tests/support/oidc-provider";
import type { TestSmtpServer } from "#tests/support/smtp-server";
import { startWorkerEntry, type RunningWorker } from "#tests/support/worker-entry";

// Everything a real install does with secrets, logged at debug level: then a
// dump of the database and every log line are searched for each secret the
// test used or the app obtained (access and refresh tokens, the client
// secret, passwords, the API key, the setup code), in clear and in the forms
// they travel in (base64 SASL strings, hex as in bytea columns).
let provider: TestProvider;
let dovecot: TestDovecot;
let smtp: TestSmtpServer;
let app: AppServer;
let worker: RunningWorker;
const secrets = new Map<string, string>();

const random = (label: string) => {
  const value = `${label}-${randomBytes(12).toString("base64url")}`;
  secrets.set(label, value);
  return value;
};

async function sql<T extends pg.QueryResultRow>(text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: app.databaseUrl });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

/** The sealed tokens of the database, opened with the server's keys: what the app holds in clear. */
async function openTokens(): Promise<string[]> {
  setRuntimeEnv({ ENCRYPTION_KEYS: app.env.ENCRYPTION_KEYS! });
  const columns = sealedColumns.filter((column) => column.table === "token_cache");
  const found: string[] = [];
  for (const column of columns) {
    const rows = await sql<{ id: string; value: string | null }>(`SELECT id::text, ${column.column} AS value FROM ${column.table}`);
    for (const row of rows) if (row.value) found.push(open(row.value, sealedColumnContext(column, row.id)));
  }
  return found;
}

beforeAll(async () => {
  ({ provider, dovecot, smtp } = await startMailServers());
  app = await startAppServer({ env: { INSECURE_OAUTH_HOSTS: "127.0.0.1", LOG_LEVEL: "debug" } });
  secrets.set("setup code", await app.setupCode());
});

describe("secrets at rest and in the logs", () => {
  it("appear in clear in neither the database nor any log line", async () => {
    const admin = new HttpSession(app.url);
    const adminPassword = random("admin password");
    expect((await app.createFirstAdmin("ada@example.test", adminPassword)).status).toBe(201);
    await admin.signIn("ada@example.test", adminPassword);
    const userPassword = random("user password");
    await admin.request("/api/v1/users", { method: "POST", json: { email: "uma@example.test", password: userPassword, role: "user" } });
    const clientSecret = random("client secret");
    const connected = (await (
      await admin.request("/api/v1/connected-apps", {
        method: "POST",
        json: { providerName: "Secret IdP", openidConfigurationUrl: provider.discoveryUrl, clientId: "secrets-e2e", clientSecret, scopes: ["openid", "email", "offline_access"] },
      })
    ).json()) as { id: string; redirectUri: string };
    await provider.addClient({ clientId: "secrets-e2e", clientSecret, redirectUris: [connected.redirectUri] });

    // The user connects as a script would, then reads and sends mail through the worker.
    const user = new HttpSession(app.url);
    await user.signIn("uma@example.test", userPassword);
    const start = await user.request(`/api/v1/connected-apps/${connected.id}/connect?successUri=/connections`);
    const callback = new URL(await provider.authorizeHeadless(start.headers.get("location")!, { login: "uma@example.test" }));
    expect((await user.request(`${callback.pathname}${callback.search}`)).status).toBe(302);
    const endpoints = (port: number) => ({ host: "127.0.0.1", port, security: "none", login: "uma@example.test" });
    const account = (await (
      await user.request("/api/v1/email-accounts", {
        method: "POST",
        json: { emailAddress: "uma@example.test", authMethod: "oauth", connectedAppId: connected.id, imap: endpoints(dovecot.port), smtp: endpoints(smtp.port) },
      })
    ).json()) as { id: string };
    const mailPassword = random("mail password");
    const passwordAccount = await user.request("/api/v1/email-accounts", {
      method: "POST",
      json: { emailAddress: "uma+pw@example.test", authMethod: "password", password: mailPassword, imap: endpoints(dovecot.port), smtp: endpoints(smtp.port) },
    });
    expect(passwordAccount.status).toBe(201);
    const created = (await (await user.request("/api/v1/api-keys", { method: "POST", json: { name: "scan" } })).json()) as { key: string };
    secrets.set("API key", created.key);

    await dovecot.deliver("uma@example.test", testMessage({ subject: "scanned" }));
    worker = await startWorkerEntry(app, "debug");
    await waitFor(async () => (await sql<{ n: number }>("SELECT count(*)::int AS n FROM inbound_messages"))[0]!.n > 0, 60_000, "the synced message");
    await user.request(`/api/v1/email-accounts/${account.id}/outbound`, { method: "POST", json: { to: ["bob@example.test"], subject: "Sent", text: "hello" } });
    await waitFor(async () => smtp.messages.length > 0, 60_000, "the sent message");

    // The token API serves a token; then a refresh (rotating the refresh token) serves another.
    const tokens = new Set(await openTokens());
    const viaApi = async () => {
      const answer = (await (await fetch(`${app.url}/api/v1/connected-apps/${connected.id}/token`, { headers: { authorization: `Bearer ${created.key}` } })).json()) as { accessToken: string };
      tokens.add(answer.accessToken);
    };
    await viaApi();
    await sql("UPDATE token_cache SET expires_at = now() + interval '10 seconds'");
    await viaApi();
    for (const token of await openTokens()) tokens.add(token);
    expect(tokens.size).toBeGreaterThanOrEqual(3);
    for (const [index, token] of [...tokens].entries()) {
      secrets.set(`token ${index}`, token);
      // As XOAUTH2 sends it (to IMAP and SMTP).
      secrets.set(`token ${index} as XOAUTH2`, Buffer.from(`user=uma@example.test\x01auth=Bearer ${token}\x01\x01`).toString("base64"));
    }
    await worker.stop();

    // A dump of every table, row by row.
    const tables = await sql<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_schema IN ('public', 'pgboss') AND table_type = 'BASE TABLE'");
    let dump = "";
    for (const { table_name: table } of tables) {
      const schema = table === "job" || table === "archive" || table === "queue" || table === "schedule" || table === "subscription" || table === "version" ? "pgboss" : "public";
      const rows = await sql<{ row: string }>(`SELECT row_to_json(t)::text AS row FROM "${schema}"."${table}" t`).catch(() => []);
      dump += rows.map((row) => row.row).join("\n");
    }
    expect(dump).toContain("uma@example.test"); // the dump holds the data, or the scan would prove nothing
    const logs = `${app.output()}\n${worker.output()}`;
    // The log lines of the work above were written and are scanned.
    expect(logs).toContain('"msg":"outbound drain"');
    expect(logs).toContain('"msg":"claimed mail account"');

    const leaks: string[] = [];
    for (const [label, secret] of secrets) {
      for (const [where, text] of [["the database", dump], ["the logs", logs]] as const) {
        if (text.includes(secret) || text.includes(Buffer.from(secret).toString("hex"))) leaks.push(`${label} in ${where}`);
      }
    }
    expect(leaks).toEqual([]);
  }, 240_000);
});
