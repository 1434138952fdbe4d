// Helpers shared by the mail benchmarks (mail-ingest-bench.ts, worker-recovery-bench.ts): the
// test peers' set-up, accounts connected through the real flow, worker processes, and /proc readings.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { ImapFlow } from "imapflow";
import type { Db } from "#lib/db";
import { childProcessEnv } from "#lib/env";
import { createImapClient } from "#lib/mail/connect-imap";
import { mailCredentials } from "#lib/mail/mail-credentials";
import type { MailWorkerOptions } from "#lib/mail/mail-worker";
import type { OAuthFixture } from "#tests/support/oauth-fixture";
import type { TestDovecot } from "#tests/support/dovecot";

const execFileAsync = promisify(execFile);
const PROJECT_ROOT = fileURLToPath(new URL("../", import.meta.url));
export const round = (value: number) => Math.round(value * 1000) / 1000;
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
export const seconds = (startMs: number) => (performance.now() - startMs) / 1000;

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** A small plain-text message (about 460 bytes) with a unique Message-ID. */
export function smallMessage(tag: string, index: number): string {
  return [
    `From: "Bench Sender" <sender-${index % 50}@example.test>`,
    `To: ${tag}@example.test`,
    `Subject: Bench message ${index} for ${tag}`,
    `Message-ID: <${tag}-${index}-${randomBytes(4).toString("hex")}@bench.example.test>`,
    `Date: ${new Date(Date.UTC(2026, 0, 1) + index * 60_000).toUTCString().replace("GMT", "+0000")}`,
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "",
    `Hello, this is message number ${index} of the mail ingest bench.`,
    "It is short, like most notifications, and has two more lines of text",
    "so that the parser has a body to decode. Regards, the bench.",
    "",
  ].join("\r\n");
}

export function messageIdOf(raw: string): string {
  return /^Message-ID: (.*)$/m.exec(raw)![1]!.trim();
}

/** Runs fn on every item, at most `concurrency` at a time. */
export async function eachLimited<T, R>(items: readonly T[], concurrency: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await fn(items[index]!, index);
      }
    }),
  );
  return results;
}

export async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, what: string, intervalMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

export interface Setup {
  db: Db;
  fixture: OAuthFixture;
  dovecot: TestDovecot;
  appId: string;
}

/** A user connected to the test provider through the real authorization code flow, owning an OAuth mail account on Dovecot. */
export async function mailUser(setup: Setup, email: string): Promise<string> {
  const { account } = await setup.fixture.mailAccountOwner(setup.appId, email, { imap: setup.dovecot.port, smtp: 2525 });
  return account.id;
}

export async function connectedClient(db: Db, accountId: string): Promise<ImapFlow> {
  const account = await db.emailAccount.findUniqueOrThrow({ where: { id: accountId } });
  const auth = await mailCredentials(db, account, account.imapLogin);
  const client = await createImapClient({ host: account.imapHost, port: account.imapPort, security: account.imapSecurity }, auth);
  client.on("error", () => {});
  await client.connect();
  return client;
}

export async function rawFetch(client: ImapFlow): Promise<number> {
  let count = 0;
  for await (const message of client.fetch("1:*", { uid: true, envelope: true, source: true })) {
    if (message.source && message.envelope) count++;
  }
  return count;
}

const DOVECOT_PROCESSES = new Set(["dovecot", "imap", "imap-login", "auth", "anvil", "log", "config", "stats"]);
const CLOCK_TICKS_PER_SECOND = 100;

/**
 * CPU seconds used so far by the PostgreSQL server's processes and by
 * Dovecot's (from /proc; Linux only, else zeros).
 */
export async function serverCpuSeconds(): Promise<{ postgres: number; dovecot: number }> {
  const totals = { postgres: 0, dovecot: 0 };
  let pids: string[];
  try {
    pids = (await readdir("/proc")).filter((name) => /^\d+$/.test(name));
  } catch {
    return totals;
  }
  for (const pid of pids) {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
    const match = /^\d+ \((.*)\) (.*)$/s.exec(stat);
    if (!match) continue;
    const fields = match[2]!.split(" ");
    // utime, stime, cutime, cstime: fields 14 to 17 of stat(5), 12 to 15 after the name. The children's times count
    // the processes that ended and were reaped meanwhile: Dovecot's login processes, PostgreSQL's closed backends.
    const seconds = (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS_PER_SECOND;
    if (match[1] === "postgres") totals.postgres += seconds;
    else if (DOVECOT_PROCESSES.has(match[1]!)) totals.dovecot += seconds;
  }
  return totals;
}

/** CPU seconds of this process (all its threads, parse threads included) and of the servers while `run` runs. */
export async function cpuDuring(run: () => Promise<void>): Promise<{ thisProcess: number; postgres: number; dovecot: number }> {
  const servers = await serverCpuSeconds();
  const own = process.cpuUsage();
  await run();
  const ownUsed = process.cpuUsage(own);
  const after = await serverCpuSeconds();
  return {
    thisProcess: round((ownUsed.user + ownUsed.system) / 1e6),
    postgres: round(after.postgres - servers.postgres),
    dovecot: round(after.dovecot - servers.dovecot),
  };
}

/**
 * Where the ingest time goes: each stage of syncFolder() run alone on the
 * same mailbox, one after the other: its fetch (the same UID SEARCH, size
 * FETCHes and batches), its parse (the parse threads) and its store, into a
 * second fresh account.
 */
export interface WorkerProcess {
  child: ChildProcess;
  stop(): Promise<void>;
  /** Why the process ended, with the end of its stderr; null while it runs. */
  death(): string | null;
}

/**
 * A MailWorker alone in its process (tests/support/mail-worker-process.ts, as the tests run it), resolved once it
 * has started; its database connections carry the application_name `mail-worker-<pid>`.
 */
export function startWorkerProcess(variables: Record<string, string>, options: MailWorkerOptions = {}): Promise<WorkerProcess> {
  return new Promise((resolve, reject) => {
    // `node --import tsx` keeps the worker in this one process (the tsx CLI would fork a child), so its pid is the worker's.
    const child = spawn(process.execPath, ["--import", "tsx", path.join(PROJECT_ROOT, "tests/support/mail-worker-process.ts")], {
      cwd: PROJECT_ROOT,
      env: childProcessEnv({ ...variables, MAIL_WORKER_OPTIONS: JSON.stringify(options) }),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    let stdout = "";
    const exited = new Promise<void>((done) => child.once("exit", () => done()));
    const stop = async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
      await exited;
      clearTimeout(timer);
    };
    const death = () =>
      child.exitCode === null && child.signalCode === null ? null : `exited (${child.signalCode ?? child.exitCode}): ${stderr.trim().slice(-4000)}`;
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
      if (stdout.startsWith("ready ")) resolve({ child, stop, death });
    });
    child.once("exit", () => reject(new Error(`worker process ${death()} before it was ready`)));
  });
}

export async function processMemory(pid: number): Promise<{ rssMb: number; peakRssMb: number }> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
  return { rssMb: round(kb("VmRSS") / 1024), peakRssMb: round(kb("VmHWM") / 1024) };
}

/** User + system CPU seconds a process has used so far. */
export async function processCpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which may hold spaces) start at field 3; utime and stime are fields 14 and 15, in ticks of 1/100 s.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Memory once the process has had a few seconds to settle (its GC to run). */
export async function settledMemory(pid: number, settleMs = 3000): Promise<{ rssMb: number; peakRssMb: number }> {
  await sleep(settleMs);
  return processMemory(pid);
}

export async function dovecotSessions(dovecot: TestDovecot): Promise<number> {
  const { stdout } = await execFileAsync("/usr/bin/doveadm", ["-c", path.join(dovecot.dir, "dovecot.conf"), "who", "-1"], { encoding: "utf8" });
  // One "username proto pid ip" line per connection after a header line.
  return stdout.split("\n").slice(1).filter((line) => line.trim() !== "").length;
}

