import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import type { Db } from "#lib/db";
import type { MailWorkerOptions } from "#lib/mail/mail-worker";
import { registerCleanup } from "./cleanup";

/**
 * Starts tests/support/mail-worker-process.ts as its own process and resolves
 * once it is ready. `node --import tsx` keeps it one process (the tsx CLI
 * would fork a child that survives a kill -9 of its parent).
 */
export function spawnMailWorker(env: { databaseUrl: string; encryptionKeys: string; logLevel?: string; options?: MailWorkerOptions }): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", path.resolve("tests/support/mail-worker-process.ts")], {
      env: {
        ...process.env,
        DATABASE_URL: env.databaseUrl,
        ENCRYPTION_KEYS: env.encryptionKeys,
        INSECURE_OAUTH_HOSTS: "127.0.0.1",
        APP_URL: "http://127.0.0.1:3999",
        LOG_LEVEL: env.logLevel ?? "silent",
        MAIL_WORKER_OPTIONS: JSON.stringify(env.options ?? {}),
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    registerCleanup(() => {
      if (child.exitCode === null) child.kill("SIGKILL");
    });
    let stderr = "";
    child.stderr!.on("data", (chunk) => (stderr += chunk));
    let stdout = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      if (/^ready /m.test(stdout)) resolve(child);
    });
    child.on("exit", (code) => reject(new Error(`worker exited ${code}: ${stderr}`)));
  });
}

/** The application_name of every PostgreSQL connection of the worker process `pid` (mail-worker-process.ts). */
export function workerApplicationName(pid: number): string {
  return `mail-worker-${pid}`;
}

/** PostgreSQL connections the worker process `pid` has open right now. */
export async function postgresConnectionsOf(db: Db, pid: number): Promise<number> {
  const rows = await db.$queryRaw<{ count: bigint }[]>`SELECT count(*) FROM pg_stat_activity WHERE application_name = ${workerApplicationName(pid)}`;
  return Number(rows[0]!.count);
}
