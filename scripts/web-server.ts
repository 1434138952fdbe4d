import { parseArgs } from "node:util";
import { onShutdownSignal, runMain } from "#lib/runtime/run-main";

// The web process: the production build behind our own HTTP server
// (lib/web/serve-web-app.ts). Started by `npm start` and `npm run web`, which
// boot first (database, migrations, secrets) and hand their environment down;
// the e2e tests start it the same way. `--hostname` limits the address it
// listens on (default: all, as `next start`); the port is PORT.
runMain("Connected Apps web server", async () => {
  const { values } = parseArgs({ options: { hostname: { type: "string" } }, strict: true });
  const { env } = await import("#lib/env");
  const { logger } = await import("#lib/logger");
  const { serveWebApp } = await import("#lib/web/serve-web-app");
  await announceSetupCode();
  const server = await serveWebApp({ dir: process.cwd(), hostname: values.hostname, port: env().PORT });
  logger.info({ port: env().PORT }, "web server listening");
  onShutdownSignal(async () => {
    // Stop taking connections; requests in flight finish (or are cut after 10 s).
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
    return 0;
  });
});

/**
 * While the install has no user, says how to create the first admin: the
 * setup code itself to a person at a terminal, never into a log that a
 * service manager keeps. Never stops the server: the code can always be had
 * from `npm run cli -- setup-code`.
 */
async function announceSetupCode(): Promise<void> {
  const { env } = await import("#lib/env");
  const { logger } = await import("#lib/logger");
  const { createDb } = await import("#lib/db");
  const { currentSetupCode } = await import("#lib/users/setup-code");
  // A client of its own, closed after: the app's requests use theirs.
  const db = createDb(env().DATABASE_URL!);
  try {
    const setupCode = await currentSetupCode(db);
    if (setupCode && process.stdout.isTTY) {
      process.stdout.write(`\nNo admin yet: create the first one at ${env().APP_URL}/setup with the setup code ${setupCode}\n\n`);
    } else if (setupCode) {
      process.stdout.write(`\nNo admin yet: create the first one at ${env().APP_URL}/setup; \`npm run cli -- setup-code\` prints the setup code.\n\n`);
    }
  } catch (error) {
    logger.warn({ err: error }, "could not look up the setup code; npm run cli -- setup-code prints it");
  } finally {
    await db.$disconnect().catch(() => {});
  }
}
