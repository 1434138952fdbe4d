import pg from "pg";
import { db } from "#lib/db";
import { bootRuntime, EMBEDDED_DATABASE_NAME } from "#lib/runtime/boot";
import { ensureEmbeddedPostgres } from "#lib/runtime/embedded-postgres";
import { withProcessLock } from "#lib/runtime/process-lock";
import { onShutdownSignal } from "#lib/runtime/run-main";
import { runCleanups } from "#tests/support/cleanup";
import { startDovecot } from "#tests/support/dovecot";
import { startTestProvider } from "#tests/support/oidc-provider";
import { startSmtpServer } from "#tests/support/smtp-server";
import { startApp, type AppProcess } from "./app";
import { openMailRoom } from "./messages";
import { addMailAccountWhenConnected, DEMO_ADMIN, DEMO_APP_NAME, DEMO_USER, seedConnectedApp, seedUser } from "./seed";
import { assertPortFree, type DemoSettings } from "./settings";
import { claimStateDirectory } from "./state";

const CONNECTION_POLL_MS = 2_000;

const say = (line: string) => process.stdout.write(`[demo] ${line}\n`);

export async function runDemo(settings: DemoSettings): Promise<void> {
  // Two demos on one state directory would empty each other's database.
  await withProcessLock(`demo:${settings.dataDir}`, { timeoutMs: 1_000, waitingFor: `to finish: another demo runs on ${settings.dataDir}` }, () =>
    runLocked(settings),
  );
}

async function runLocked(settings: DemoSettings): Promise<void> {
  // What `npm start` gets: the demo's settings, before this process boots and adds its own.
  const appEnv = { ...process.env };
  const stack: (() => Promise<void> | void)[] = [];
  let stopping = false;
  let stopped: Promise<void> | undefined;
  let app: AppProcess | undefined;
  const stopAll = () =>
    (stopped ??= (async () => {
      stopping = true;
      while (stack.length > 0) {
        await Promise.resolve(stack.pop()!()).catch((error: unknown) => say(`While stopping: ${(error as Error).message}`));
      }
    })());

  const start = async (): Promise<void> => {
    await assertPortFree(settings.port);
    claimStateDirectory(settings.dataDir);

    say("Starting the local OpenID provider, SMTP server and Dovecot");
    stack.push(runCleanups); // the tests/support servers register their own stops there
    const provider = await startTestProvider();
    const smtp = await startSmtpServer({ introspect: (token) => provider.introspect(token) });
    // Dovecot checks each XOAUTH2 token at the provider's introspection endpoint, as the SMTP server does.
    const dovecot = await startDovecot({
      introspectionUrl: provider.resourceServer.introspectionEndpoint,
      clientId: provider.resourceServer.clientId,
      clientSecret: provider.resourceServer.clientSecret,
    });
    if (stopping) return;

    const postgres = await ensureEmbeddedPostgres({ dataDir: settings.dataDir, log: say });
    stack.push(() => postgres.stop());
    // The provider and Dovecot forget their tokens and mail when the demo stops: a kept
    // database would hold connections that no longer work. Cluster and secrets are kept.
    await emptyDatabase(postgres.url);
    await bootRuntime(() => {});
    stack.push(() => db().$disconnect());
    if (stopping) return;

    const admin = await seedUser(db(), DEMO_ADMIN);
    const user = await seedUser(db(), DEMO_USER);
    const connectedApp = await seedConnectedApp(db(), admin, provider);
    if (stopping) return;

    say("Starting the app as `npm start` does (which first builds it when its sources changed: a few minutes)");
    app = startApp(appEnv);
    const running = app;
    stack.push(() => running.stop());
    await running.healthy(`http://127.0.0.1:${settings.port}/api/health`);
    void running.exited.then(async (code) => {
      if (stopping) return;
      say(`The app stopped unexpectedly (exit code ${code}): stopping the demo.`);
      await stopAll();
      process.exit(1);
    });

    // `npm start` announces itself once it sees the app healthy too: the instructions come after that line.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    if (stopping) return;
    printBanner(settings, { provider: provider.origin, imap: dovecot.port, smtp: smtp.port, postgres: postgres.port });
    const room = openMailRoom({ dovecot, smtp, mailbox: DEMO_USER.email, everySeconds: settings.messageEverySeconds, say });
    stack.push(() => room.stop());
    const plan = { user, appId: connectedApp.id, mailbox: DEMO_USER.email, imapPort: dovecot.port, smtpPort: smtp.port };
    stack.push(watchForConnection(plan, settings));
  };

  const startup = start();
  onShutdownSignal(async () => {
    stopping = true;
    say("Stopping the demo");
    await app?.stop(); // also ends a start that is still building
    await startup.catch(() => {});
    await stopAll();
    say("Stopped.");
    return 0;
  });
  try {
    await startup;
  } catch (error) {
    if (!stopping) {
      await stopAll();
      throw error;
    }
  }
  // Runs until a signal: onShutdownSignal exits the process.
  await new Promise<never>(() => {});
}

async function emptyDatabase(adminUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${EMBEDDED_DATABASE_NAME} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

/** Adds the mail account once the user has connected; returns what stops the polling. */
function watchForConnection(plan: Parameters<typeof addMailAccountWhenConnected>[1], settings: DemoSettings): () => void {
  let lastHint = "";
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    addMailAccountWhenConnected(db(), plan, (hint) => {
      if (hint !== lastHint) say(hint);
      lastHint = hint;
    })
      .then((account) => {
        if (!account) return;
        clearInterval(timer);
        say(
          account.added
            ? `${plan.user.email} is connected: added the mail account ${plan.mailbox} on that connection ` +
                `(IMAP 127.0.0.1:${plan.imapPort}, SMTP 127.0.0.1:${plan.smtpPort}). ` +
                `Its messages: ${settings.appUrl}/email-accounts/${account.id}/messages`
            : `${plan.user.email} is connected, and already has a mail account ${plan.mailbox}: ${settings.appUrl}/email-accounts/${account.id}`,
        );
      })
      .catch((error: unknown) => say(`Could not add the mail account yet: ${(error as Error).message}`))
      .finally(() => (busy = false));
  }, CONNECTION_POLL_MS);
  return () => clearInterval(timer);
}

function printBanner(settings: DemoSettings, ports: { provider: string; imap: number; smtp: number; postgres: number }): void {
  const url = settings.appUrl;
  const every = settings.messageEverySeconds === 60 ? "every minute" : `every ${settings.messageEverySeconds} s`;
  const rule = "=".repeat(78);
  process.stdout.write(
    [
      "",
      rule,
      `  Connected Apps demo: ${url}`,
      rule,
      "  Sign in with (demo-only passwords):",
      `    user   ${DEMO_USER.email.padEnd(20)} password ${DEMO_USER.password}`,
      `    admin  ${DEMO_ADMIN.email.padEnd(20)} password ${DEMO_ADMIN.password}`,
      "",
      "  Try it:",
      `    1. Open ${url} and sign in as the user, ${DEMO_USER.email}.`,
      `    2. My connections -> "Connect to ${DEMO_APP_NAME}".`,
      `    3. The local OpenID provider asks you to sign in: type the login ${DEMO_USER.email}`,
      "       (it signs in any login, with any password; the login must be the mailbox's",
      "       address, so that the token opens that mailbox). Then Continue on its Authorize page.",
      "    4. Back in the app, the demo adds the mail account (see this terminal). Open",
      `       Email accounts -> ${DEMO_USER.email} -> Messages. A new message arrives ${every}.`,
      "    5. Open a message and Reply: the local SMTP server takes it, and the sender answers.",
      `  As the admin: Connected Apps shows "${DEMO_APP_NAME}", set up from the provider's discovery.`,
      "",
      `  Local peers: OpenID provider ${ports.provider}, Dovecot IMAP 127.0.0.1:${ports.imap},`,
      `  SMTP 127.0.0.1:${ports.smtp}, PostgreSQL 127.0.0.1:${ports.postgres}.`,
      `  State: ${settings.dataDir} (its database is emptied at each start).`,
      `  Ctrl-C (or \`kill ${process.pid}\`) stops everything.`,
      rule,
      "",
    ].join("\n"),
  );
}
