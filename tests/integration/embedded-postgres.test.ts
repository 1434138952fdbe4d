import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureEmbeddedPostgres, removeEmbeddedPostgres, type EmbeddedPostgresHandle } from "#lib/runtime/embedded-postgres";
import { blockedPathFor, systemUser } from "#lib/runtime/system-user";

// Real clusters in a throwaway directory of the system's temporary folder,
// which the postgres user can reach. The relocation from a data folder it
// cannot reach is tested on purpose below; a checkout it cannot reach (a
// clone in /root, mode 0700: the binaries in node_modules are out of its
// reach) relocates every cluster, and the tests expect that too.
const scratch = path.join(tmpdir(), `connected-apps-embedded-pg-test-${randomBytes(4).toString("hex")}`);
const handles: EmbeddedPostgresHandle[] = [];
const relocated: string[] = [];
const isRoot = process.getuid?.() === 0;

/** Whether PostgreSQL, run as the postgres user when we are root, can reach the binaries of this checkout. */
async function checkoutReachable(): Promise<boolean> {
  if (!isRoot) return true;
  return (await blockedPathFor(await systemUser("postgres", { create: true }), path.resolve("node_modules"))) === null;
}

/** Where the cluster of a data dir lives: the data dir, or the place recorded after a relocation. */
async function clusterDirOf(dataDir: string): Promise<string> {
  return (await readState(dataDir)).state.clusterDir ?? dataDir;
}

async function ensure(dataDir: string, messages: string[] = []) {
  const handle = await ensureEmbeddedPostgres({ dataDir, log: (message) => messages.push(message) });
  handles.push(handle);
  return handle;
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

async function readState(dataDir: string) {
  const file = path.join(dataDir, "embedded-postgres.json");
  const state = JSON.parse(await fs.readFile(file, "utf8")) as { port: number; password: string; clusterDir?: string };
  return { state, mode: (await fs.stat(file)).mode & 0o777 };
}

beforeAll(async () => {
  await fs.mkdir(scratch, { recursive: true, mode: 0o755 });
});

afterAll(async () => {
  for (const handle of handles) await handle.stop();
  await fs.rm(scratch, { recursive: true, force: true });
  for (const clusterDir of relocated) await fs.rm(clusterDir, { recursive: true, force: true });
  if (relocated.length > 0) await fs.rmdir("/var/lib/connected-apps").catch(() => {}); // only if nobody else uses it
});

describe("ensureEmbeddedPostgres", () => {
  const dataDir = path.join(scratch, "data");

  it("initialises a new cluster on first start and answers queries", async () => {
    const messages: string[] = [];
    const db = await ensure(dataDir, messages);

    expect(db.startedHere).toBe(true);
    const { password } = (await readState(dataDir)).state;
    expect(db.url).toBe(`postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${db.port}/postgres`);
    const [row] = await query<{ answer: number; encoding: string; tz: string }>(
      db.url,
      `SELECT 1 AS answer, pg_encoding_to_char(encoding) AS encoding, current_setting('TimeZone') AS tz
         FROM pg_database WHERE datname = 'postgres'`,
    );
    expect(row).toEqual({ answer: 1, encoding: "UTF8", tz: "UTC" });

    const { state, mode } = await readState(dataDir);
    expect(mode).toBe(0o600);
    expect(state.port).toBe(db.port);
    const started = expect.stringContaining(`${path.join(state.clusterDir ?? dataDir, "pg")}, listening on 127.0.0.1:${db.port}`);
    if (await checkoutReachable()) {
      expect(state.clusterDir).toBeUndefined(); // the scratch folder is reachable by the postgres user: no relocation
      expect(messages).toEqual([started]);
    } else {
      relocated.push(state.clusterDir!);
      expect(state.clusterDir).toMatch(/^\/var\/lib\/connected-apps\/[0-9a-f]{12}$/);
      expect(messages).toEqual([expect.stringContaining(`keeping the embedded cluster in ${state.clusterDir}`), started]);
    }
    expect(messages.join("\n")).not.toContain(state.password);
  });

  it("connects to the cluster already running for the data dir instead of starting another", async () => {
    const first = handles[0]!;
    const second = await ensure(dataDir);
    expect(second).toMatchObject({ startedHere: false, port: first.port, url: first.url });
    await second.stop(); // not ours to stop: a no-op
    expect(await query(first.url, "SELECT 1 AS ok")).toEqual([{ ok: 1 }]);
  });

  it("keeps the data and the port across stop and start, and stop is idempotent", async () => {
    const first = handles[0]!;
    await query(first.url, "CREATE TABLE kept (note text); INSERT INTO kept VALUES ('still here')");
    await Promise.all([first.stop(), first.stop()]);
    await first.stop();
    await expect(query(first.url, "SELECT 1")).rejects.toThrow();

    const again = await ensure(dataDir);
    expect(again).toMatchObject({ startedHere: true, port: first.port });
    expect(await query(again.url, "SELECT note FROM kept")).toEqual([{ note: "still here" }]);
    await again.stop();
  });

  it("lets concurrent callers share one start", async () => {
    const [a, b] = await Promise.all([ensure(dataDir), ensure(dataDir)]);
    expect([a.startedHere, b.startedHere].sort()).toEqual([false, true]);
    expect(a.port).toBe(b.port);
    await (a.startedHere ? a : b).stop();
  });

  it("ignores a postmaster.pid whose pid now belongs to another process", async () => {
    // As after a container restart: the old postmaster's pid is reused (here by us).
    const pgDir = path.join(await clusterDirOf(dataDir), "pg");
    const pidFile = path.join(pgDir, "postmaster.pid");
    await fs.writeFile(pidFile, `${process.pid}\n${pgDir}\n0\n1\n\n127.0.0.1\n0 0\nready\n`);
    const db = await ensure(dataDir);
    expect(db.startedHere).toBe(true);
    expect(await query(db.url, "SELECT note FROM kept")).toEqual([{ note: "still here" }]);
    await db.stop();
  });

  it("fails with the end of PostgreSQL's log when the server cannot start", async () => {
    const conf = path.join(await clusterDirOf(dataDir), "pg", "postgresql.conf");
    const original = await fs.readFile(conf, "utf8");
    await fs.appendFile(conf, "\nshared_buffers = 'lots'\n");
    try {
      await expect(ensure(dataDir)).rejects.toThrow(/exited[\s\S]*End of its log:[\s\S]*shared_buffers/);
    } finally {
      await fs.writeFile(conf, original);
    }
  });
});

describe.skipIf(!isRoot)("ensureEmbeddedPostgres as root under a 0700 directory", () => {
  const home = path.join(scratch, "home");
  const dataDir = path.join(home, "app", ".data");
  let clusterDir: string | undefined;

  afterAll(async () => {
    if (clusterDir?.startsWith("/var/lib/connected-apps/")) {
      await fs.rm(clusterDir, { recursive: true, force: true });
      await fs.rmdir("/var/lib/connected-apps").catch(() => {}); // only if nobody else uses it
    }
  });

  it("keeps binaries and data in /var/lib/connected-apps/<hash> and records it", async () => {
    await fs.mkdir(home, { mode: 0o700 });
    await fs.chmod(home, 0o700); // like /root: the postgres user cannot enter it
    const messages: string[] = [];
    const db = await ensure(dataDir, messages);

    const { state } = await readState(dataDir);
    clusterDir = state.clusterDir;
    expect(clusterDir).toMatch(/^\/var\/lib\/connected-apps\/[0-9a-f]{12}$/);
    expect(messages[0]).toContain(`keeping the embedded cluster in ${clusterDir}`);
    expect(messages[1]).toContain(`${clusterDir}/pg, listening on 127.0.0.1:${db.port}`);
    expect(await query(db.url, "SELECT current_user AS who")).toEqual([{ who: "postgres" }]);
    const pgStat = await fs.stat(path.join(clusterDir!, "pg"));
    expect(pgStat.uid).not.toBe(0); // owned by the postgres user
    const copies = (await fs.readdir(clusterDir!)).filter((entry) => entry.startsWith("postgresql-"));
    expect(copies).toHaveLength(1);
    await expect(fs.access(path.join(clusterDir!, copies[0]!, "bin", "postgres"))).resolves.toBeUndefined();

    // A later start finds the recorded cluster and its data.
    await query(db.url, "CREATE TABLE kept (n int)");
    await db.stop();
    const again = await ensure(dataDir);
    expect(again.startedHere).toBe(true);
    expect(await query(again.url, "SELECT count(*)::int AS n FROM kept")).toEqual([{ n: 0 }]);
    expect((await readState(dataDir)).state.clusterDir).toBe(clusterDir);

    // Removing it takes the relocated copy too, and only once PostgreSQL is stopped.
    await expect(removeEmbeddedPostgres(dataDir)).rejects.toThrow("is still running: stop it first");
    await again.stop();
    expect(await removeEmbeddedPostgres(dataDir)).toBe(clusterDir);
    await expect(fs.access(clusterDir!)).rejects.toThrow();
    await expect(fs.access(dataDir)).rejects.toThrow();
  });
});
