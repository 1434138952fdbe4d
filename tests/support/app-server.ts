import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { registerCleanup } from "./cleanup";
import { generateKeyringEntry } from "#lib/crypto";
import { createTestDatabase } from "./test-database";
import { runCli } from "./cli";
import { freePort, waitForHttp } from "./net";

export interface AppServer {
  url: string;
  databaseUrl: string;
  /** The environment the server runs with, for a CLI run against the same database. */
  env: Record<string, string>;
  /** The first-admin setup code, as an operator gets it: `npm run cli -- setup-code`. */
  setupCode(): Promise<string>;
  /** Creates the first admin with the setup code, as the first visitor would. */
  createFirstAdmin(email: string, password: string): Promise<Response>;
  /** Everything the server wrote (its log lines included, at the LOG_LEVEL given in `env`) so far. */
  output(): string;
}

/**
 * Serves the production build through the app's own web server
 * (scripts/web-server.ts, as `npm start` does) on a fresh database of its
 * own, so each e2e file starts from a fresh install. Stopped after the file.
 */
export async function startAppServer(options: { databaseUrl?: string; env?: Record<string, string> } = {}): Promise<AppServer> {
  const databaseUrl = options.databaseUrl ?? (await createTestDatabase());
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env = {
    DATABASE_URL: databaseUrl,
    ENCRYPTION_KEYS: generateKeyringEntry("v1"),
    NEXTAUTH_SECRET: randomBytes(32).toString("hex"),
    APP_URL: url,
    LOG_LEVEL: "fatal",
    ...options.env,
  };
  const server = spawn(
    process.execPath,
    [path.resolve("node_modules/tsx/dist/cli.mjs"), "scripts/web-server.ts", "--hostname", "127.0.0.1"],
    {
      stdio: ["ignore", "pipe", "pipe"],
      // The tsx CLI runs the server in a child process: signal the whole group.
      detached: true,
      env: { ...process.env, ...env, PORT: String(port), NODE_ENV: "production", NEXTAUTH_URL: url, NEXT_TELEMETRY_DISABLED: "1" },
    },
  );
  registerCleanup(async () => {
    if (server.exitCode !== null) return;
    const exited = new Promise((resolve) => server.once("exit", resolve));
    process.kill(-server.pid!, "SIGTERM");
    await exited;
  });
  let printed = "";
  server.stdout!.setEncoding("utf8").on("data", (chunk: string) => (printed += chunk));
  // Kept for output(), and passed on: a failing server's errors belong in the test's output.
  let errors = "";
  server.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
    errors += chunk;
    process.stderr.write(chunk);
  });
  await waitForHttp(`${url}/api/health`, 60_000);
  let knownCode: string | undefined;
  const setupCode = async () => {
    if (knownCode) return knownCode;
    const cli = runCli(["setup-code"], env);
    const code = /([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})/.exec(cli.stdout)?.[1];
    if (!code) throw new Error(`npm run cli -- setup-code printed no code:\n${cli.stdout}${cli.stderr}`);
    knownCode = code;
    return code;
  };

  return {
    url,
    databaseUrl,
    env,
    setupCode,
    output: () => `${printed}\n${errors}`,
    async createFirstAdmin(email, password) {
      return fetch(`${url}/api/v1/setup`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email, password, setupCode: await setupCode() }),
      });
    },
  };
}
