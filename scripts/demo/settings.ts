import net from "node:net";
import path from "node:path";
import { parseArgs } from "node:util";

export interface DemoSettings {
  port: number;
  appUrl: string;
  dataDir: string;
  messageEverySeconds: number;
  /** `npm run demo -- --reset`: remove the demo's state (cluster, secrets) and exit. */
  reset: boolean;
}

/**
 * Settings of the app that the demo decides. A DATABASE_URL, keys or company
 * sign-in set for a real install must not leak in: the demo empties its
 * database at every start, and must only ever do that to its own embedded one.
 */
const REPLACED = [
  "DATABASE_URL",
  "ENCRYPTION_KEYS",
  "NEXTAUTH_SECRET",
  "NEXTAUTH_URL",
  "APP_URL",
  "AUTH_OIDC_ISSUER",
  "AUTH_OIDC_CLIENT_ID",
  "AUTH_OIDC_CLIENT_SECRET",
  "TRUSTED_PROXIES",
  // Every peer of the demo is on 127.0.0.1: nothing goes through a proxy.
  "HTTPS_PROXY",
  "https_proxy",
  "NO_PROXY",
  "no_proxy",
  // A test runner's NODE_ENV=test must not reach the app; `npm start` sets what it needs.
  "NODE_ENV",
];

export function readSettings(): DemoSettings {
  const { values } = parseArgs({ options: { reset: { type: "boolean", default: false } }, strict: true });
  const port = integer("DEMO_PORT", 3000, 1, 65535);
  return {
    port,
    appUrl: `http://localhost:${port}`,
    dataDir: path.resolve(process.env.DEMO_DATA_DIR || path.join(".data", "demo")),
    messageEverySeconds: integer("DEMO_MESSAGE_EVERY_SECONDS", 60, 1, 86_400),
    reset: values.reset,
  };
}

function integer(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
  return value;
}

/** Sets this process's environment, which the app's processes inherit. */
export function configureEnvironment(settings: DemoSettings): void {
  for (const name of REPLACED) delete process.env[name];
  Object.assign(process.env, {
    DATA_DIR: settings.dataDir,
    PORT: String(settings.port),
    APP_URL: settings.appUrl,
    // The provider, Dovecot and the SMTP server listen on loopback, over plain http, IMAP and SMTP.
    INSECURE_OAUTH_HOSTS: "127.0.0.1",
    // The app's JSON log lines would bury the instructions: warnings and errors only, unless asked.
    LOG_LEVEL: process.env.LOG_LEVEL || "warn",
  });
}

/** Fails early and clearly when the web port is taken, instead of deep in the app's start. */
export async function assertPortFree(port: number): Promise<void> {
  const free = await new Promise<boolean>((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    // No host: the web server listens on every address, so check the same way.
    server.listen(port, () => server.close(() => resolve(true)));
  });
  if (!free) throw new Error(`Port ${port} is in use (another demo, or \`npm start\`?). Stop it, or pick another port: DEMO_PORT=3100 npm run demo`);
}
