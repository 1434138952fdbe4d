import { execFile, execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { chmod, chown, mkdir, open, readFile, readdir, rename, rm, unlink, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir, userInfo } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { blockedPathFor } from "#lib/runtime/system-user";
import { registerCleanup } from "./cleanup";
import { freePort } from "./net";

/**
 * A real IMAP server for integration tests: Debian's Dovecot 2.3 run as
 * `dovecot -F -c <generated conf>` (nothing read from /etc/dovecot) in a
 * fresh directory under the project's `.data/` (or the system's temporary
 * folder when Dovecot's user cannot reach the checkout), listening on
 * 127.0.0.1 without TLS. Logins are OAuth 2.0 only (XOAUTH2 by default, as at Microsoft): Dovecot
 * checks each token by introspection at the test OpenID provider and accepts it
 * when the answer is active and its `email` equals the login.
 *
 * Mail is written straight into the Maildirs (`home/<login>/Maildir`), as a
 * local delivery agent would: tests deliver, create folders and change a
 * folder's UIDVALIDITY without an IMAP session.
 *
 * Layout: Maildir++, hierarchy separator "/" (folder "Archive/2024" is
 * `Maildir/.Archive.2024`), so "." cannot appear in a folder name; INBOX is the
 * Maildir itself. Every account also has Drafts, Sent, Trash and Junk with
 * their special-use flags, created on first login.
 */

export type OAuthMechanism = "xoauth2" | "oauthbearer";

export interface DovecotOptions {
  /** The provider's introspection endpoint, e.g. `TestProvider.resourceServer.introspectionEndpoint`. */
  introspectionUrl: string;
  /** Credentials Dovecot introspects with (HTTP Basic, embedded in the URL of its configuration). */
  clientId: string;
  clientSecret: string;
  /** SASL mechanisms offered, default `["xoauth2"]`: imapflow prefers OAUTHBEARER whenever it is offered. */
  mechanisms?: OAuthMechanism[];
  /** `mail_max_userip_connections` (default 100; Dovecot's own default is 10, Gmail allows about 15). */
  maxConnectionsPerUser?: number;
}

/**
 * `mailbox` is the login exactly as the client sends it (`user=` of XOAUTH2): Dovecot's home is
 * `home/<login>`. Folder names are IMAP names ("INBOX", "Archive/2026", "Éléments envoyés").
 */
export interface TestDovecot {
  host: "127.0.0.1";
  port: number;
  /** Delivers one raw RFC 5322 message into a folder (default INBOX) as new mail; the folder is created when missing. */
  deliver(mailbox: string, raw: Buffer | string, folder?: string): Promise<void>;
  /** Delivers many messages at once, in order (ascending UIDs in that order). */
  deliverMany(mailbox: string, raws: readonly (Buffer | string)[], folder?: string): Promise<void>;
  /**
   * Makes the folder's UIDVALIDITY change, as a server rebuild does: every
   * session of the mailbox is disconnected (`* BYE Server shutting down.`,
   * `doveadm kick`), then the folder's UID list and indexes are removed, so
   * Dovecot gives the folder a new UIDVALIDITY and numbers its messages again
   * from 1, in their order. Other folders keep theirs.
   */
  resetUidValidity(mailbox: string, folder?: string): Promise<void>;
  /** Creates a folder (and its parents' Maildir when missing); a no-op if it exists. */
  createFolder(mailbox: string, folder: string): Promise<void>;
  /** Disconnects every session of the mailbox (`doveadm kick`, as a server restart or a network cut does); resolves with how many it cut. */
  kick(mailbox: string): Promise<number>;
  /**
   * Stops Dovecot (every session gets `* BYE Server shutting down.`) and starts it again on the same port
   * with the same mail, as a server restart does; resolves once it greets again.
   */
  restart(): Promise<void>;
  /** Dovecot's log so far (auth and mail errors land here, not on the console). */
  log(): Promise<string>;
  /** The directory holding the configuration, the log and the Maildirs (removed by stop()). */
  dir: string;
  /** Milliseconds from spawning Dovecot to its IMAP greeting. */
  startMs: number;
  /** Stops Dovecot and removes its directory; also done after the test file. */
  stop(): Promise<void>;
}

const DOVECOT = "/usr/sbin/dovecot";
const execFileAsync = promisify(execFile);
const PROJECT_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const DATA_DIR = path.join(PROJECT_ROOT, ".data");
/**
 * Where Dovecot's directories go when the user `dovecot` cannot traverse the
 * checkout (a clone in /root, mode 0700): as `npm start` moves PostgreSQL out
 * of such a folder. One folder for every checkout of the machine; each
 * directory in it names the test process that owns it (owner.pid).
 */
const SHARED_BASE = path.join(tmpdir(), "connected-apps-dovecot");
const DIR_PREFIX = "dovecot-";
const START_TIMEOUT_MS = 15_000;
/** Longest socket path Dovecot creates under base_dir, e.g. `login/imap-urlauth`, plus room; sun_path holds 107 bytes. */
const SOCKET_ROOM = 32;

interface Account {
  user: string;
  uid: number;
  gid: number;
}

export async function startDovecot(options: DovecotOptions): Promise<TestDovecot> {
  if (!existsSync(DOVECOT)) {
    throw new Error(`${DOVECOT} is missing: install Debian's dovecot-imapd (npm test does it when run as root)`);
  }
  const mechanisms = options.mechanisms ?? ["xoauth2"];
  if (mechanisms.length === 0) throw new Error("startDovecot: offer at least one mechanism");

  const mailOwner = mailAccount();
  const base = await baseDirectory(mailOwner);
  await stopOrphans(base);
  const dir = mkdtempSync(path.join(base, DIR_PREFIX));
  // mkdtemp makes 0700 directories; Dovecot's mail processes (user dovecot) must traverse to the Maildirs.
  await chmod(dir, 0o755);
  const blocked = await blockedPathFor(mailOwner, dir);
  if (blocked) throw new Error(`${blocked} is not traversable by user ${mailOwner.user}, which Dovecot's mail processes run as`);
  const runDir = path.join(dir, "run");
  if (Buffer.byteLength(runDir) + SOCKET_ROOM > 107) {
    throw new Error(`Dovecot's sockets would not fit under ${runDir} (Unix socket paths are limited to 107 bytes): move the project to a shorter path`);
  }
  for (const sub of ["run", "state", "home"]) {
    await mkdir(path.join(dir, sub), { mode: 0o755 });
    await chmod(path.join(dir, sub), 0o755);
  }
  // Dovecot makes the home of a user who never got mail when it first writes there (an APPEND to Sent).
  if (process.getuid?.() === 0) await chown(path.join(dir, "home"), mailOwner.uid, mailOwner.gid);
  await writeFile(path.join(dir, "owner.pid"), `${process.pid}\n`);

  const confPath = path.join(dir, "dovecot.conf");
  const logPath = path.join(dir, "dovecot.log");
  const oauthPath = path.join(dir, "dovecot-oauth2.conf.ext");
  await writeFile(oauthPath, oauthConf(options), { mode: 0o600 });

  const output: string[] = [];
  const started = performance.now();
  /** Starts the master on `fixedPort` (a restart), or on a free port. */
  const launch = async (fixedPort?: number): Promise<{ master: ChildProcess; port: number }> => {
    // freePort() releases the port before Dovecot binds it: retry if something else took it meanwhile.
    for (let attempt = 1; ; attempt++) {
      const port = fixedPort ?? (await freePort());
      await writeFile(
        confPath,
        dovecotConf({ dir, port, oauthPath, mechanisms, mailOwner, maxConnectionsPerUser: options.maxConnectionsPerUser ?? 100 }),
      );
      output.length = 0;
      const master = spawn(DOVECOT, ["-F", "-c", confPath], {
        cwd: dir,
        stdio: ["ignore", "pipe", "pipe"],
        // Dovecot drops the environment anyway (import_environment); NODE_ENV only satisfies Next's ProcessEnv type.
        env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", NODE_ENV: "test" },
      });
      master.stdout.setEncoding("utf8").on("data", (chunk: string) => output.push(chunk));
      master.stderr.setEncoding("utf8").on("data", (chunk: string) => output.push(chunk));
      try {
        await waitForGreeting(port, master, START_TIMEOUT_MS);
        return { master, port };
      } catch (error) {
        await stopProcess(master);
        const log = await readLog(logPath);
        if (attempt < 3 && /Address already in use/.test(log + output.join(""))) {
          if (fixedPort) await new Promise((resolve) => setTimeout(resolve, 500));
          continue;
        }
        await rm(dir, { recursive: true, force: true });
        throw new Error(`Dovecot did not start: ${(error as Error).message}\n${describeOutput(output, log)}`, { cause: error });
      }
    }
  };
  const first = await launch();
  const port = first.port;
  let master = first.master;
  const startMs = performance.now() - started;

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await stopProcess(master);
    await rm(dir, { recursive: true, force: true });
  };
  registerCleanup(stop);

  const maildirs = new Maildirs(path.join(dir, "home"), mailOwner);
  const doveadm = (args: string[]) => execFileAsync("/usr/bin/doveadm", ["-c", confPath, ...args], { encoding: "utf8" });
  /** Disconnects every session of the mailbox and waits until their processes have exited; returns how many. */
  const kick = async (mailbox: string): Promise<number> => {
    const pids = new Set<number>();
    const { stdout } = await doveadm(["who", "-1", mailbox]);
    // "username proto pid ip" per connection, after a header line.
    for (const line of stdout.split("\n").slice(1)) {
      const pid = Number(line.trim().split(/\s+/)[2]);
      if (Number.isInteger(pid) && pid > 0) pids.add(pid);
    }
    if (pids.size === 0) return 0;
    await doveadm(["kick", mailbox]);
    const deadline = Date.now() + 5000;
    while ([...pids].some(isAlive)) {
      if (Date.now() > deadline) throw new Error(`sessions of ${mailbox} (pids ${[...pids].join(", ")}) did not exit after doveadm kick`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return pids.size;
  };
  const withLog = async <T>(what: string, action: () => Promise<T>): Promise<T> => {
    try {
      return await action();
    } catch (error) {
      throw new Error(`${what} failed: ${(error as Error).message}\n${describeOutput(output, await readLog(logPath))}`, { cause: error });
    }
  };

  return {
    host: "127.0.0.1",
    port,
    dir,
    deliver: (mailbox, raw, folder = "INBOX") => withLog("deliver", () => maildirs.deliver(mailbox, folder, [raw])),
    deliverMany: (mailbox, raws, folder = "INBOX") => withLog("deliverMany", () => maildirs.deliver(mailbox, folder, raws)),
    resetUidValidity: (mailbox, folder = "INBOX") => withLog("resetUidValidity", () => maildirs.resetUidValidity(mailbox, folder, kick)),
    createFolder: (mailbox, folder) => withLog("createFolder", () => maildirs.folder(mailbox, folder).then(() => undefined)),
    kick: (mailbox) => withLog("kick", () => kick(mailbox)),
    log: () => readLog(logPath),
    restart: async () => {
      await stopProcess(master);
      ({ master } = await launch(port));
    },
    stop,
    startMs,
  };
}

// --- configuration ---------------------------------------------------------------

function oauthConf(options: DovecotOptions): string {
  const url = new URL(options.introspectionUrl);
  if (url.hostname !== "127.0.0.1") throw new Error(`the introspection URL must be on 127.0.0.1: ${url.href}`);
  if (url.username || url.password) throw new Error("pass the introspection credentials as clientId and clientSecret, not in the URL");
  // RFC 6749 §2.3.1: HTTP Basic client credentials are form-urlencoded first (oidc-provider
  // refuses a raw "%" or ":" with invalid_request). Dovecot sends the URL's userinfo
  // percent-decoded, so the form-encoded value is percent-encoded once more for the URL.
  // (An invalid escape or a ":" reaching Dovecot's Basic encoder aborts its auth process.)
  const credential = (value: string) => encodeURIComponent(new URLSearchParams({ v: value }).toString().slice(2));
  const userinfo = `${credential(options.clientId)}:${credential(options.clientSecret)}`;
  return `# Generated by tests/support/dovecot.ts
introspection_mode = post
introspection_url = ${url.protocol}//${userinfo}@${url.host}${url.pathname}${url.search}
force_introspection = yes
username_attribute = email
active_attribute = active
active_value = true
timeout_msecs = 10000
`;
}

function dovecotConf(settings: {
  dir: string;
  port: number;
  oauthPath: string;
  mechanisms: OAuthMechanism[];
  mailOwner: Account;
  maxConnectionsPerUser: number;
}): string {
  const { dir, port, oauthPath, mechanisms, mailOwner } = settings;
  const root = process.getuid?.() === 0;
  const me = userInfo().username;
  return `# Generated by tests/support/dovecot.ts: nothing is read from /etc/dovecot.
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
instance_name = ${path.basename(dir)}
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = ${mechanisms.join(" ")}
auth_verbose = yes
# Tests log in with bad tokens on purpose: no growing penalty, and every login introspects
# (no cache), so a revoked token fails at once. A failure is still answered up to 0.5 s late:
# Dovecot flushes delayed auth failures every 500 ms whatever auth_failure_delay says.
auth_failure_delay = 0
auth_cache_size = 0
default_internal_user = ${root ? "dovecot" : me}
default_login_user = ${root ? "dovenull" : me}
first_valid_uid = ${mailOwner.uid}
last_valid_uid = 0
first_valid_gid = ${mailOwner.gid}
mail_location = maildir:~/Maildir
mail_fsync = never
# Room for the benchmarks' 1,000 sessions (one imap process each): Dovecot's defaults stop near 1,000.
# anvil must take a client from every login and auth process at once (2 × 2,000 + 1), else Dovecot warns.
default_process_limit = 2000
default_client_limit = 5000
mailbox_idle_check_interval = 1 secs
imap_idle_notify_interval = 1 secs

namespace inbox {
  inbox = yes
  separator = /
  mailbox Drafts {
    special_use = \\Drafts
    auto = subscribe
  }
  mailbox Sent {
    special_use = \\Sent
    auto = subscribe
  }
  mailbox Trash {
    special_use = \\Trash
    auto = subscribe
  }
  mailbox Junk {
    special_use = \\Junk
    auto = subscribe
  }
}

passdb {
  driver = oauth2
  mechanisms = ${mechanisms.join(" ")}
  args = ${oauthPath}
}
userdb {
  driver = static
  # allow_all_users: a userdb lookup (doveadm) cannot ask the oauth2 passdb whether the user exists.
  args = uid=${mailOwner.uid} gid=${mailOwner.gid} home=${dir}/home/%u allow_all_users=yes
}

protocol imap {
  mail_max_userip_connections = ${settings.maxConnectionsPerUser}
}

service imap {
  process_limit = 2000
}

service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}

service anvil {
  # Without this, failed logins are answered after 0.5 s, doubling up to 15 s.
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
`;
}

/** The account Dovecot's mail processes run as: `dovecot` when we are root, else ourselves (rootless Dovecot). */
function mailAccount(): Account {
  if (process.getuid?.() !== 0) {
    const me = userInfo();
    return { user: me.username, uid: me.uid, gid: me.gid };
  }
  const line = execFileSync("getent", ["passwd", "dovecot"], { encoding: "utf8" }).trim();
  const [user, , uid, gid] = line.split(":");
  if (!user || !uid || !gid) throw new Error(`no dovecot user (getent passwd dovecot: ${line})`);
  return { user, uid: Number(uid), gid: Number(gid) };
}

/** Every parent of the Maildirs must be traversable by the mail user, else Dovecot fails after login with SERVERBUG. */
/** The project's .data when Dovecot's user can reach it, else a shared folder it can (see SHARED_BASE). */
async function baseDirectory(account: Account): Promise<string> {
  mkdirSync(DATA_DIR, { recursive: true });
  if ((await blockedPathFor(account, DATA_DIR)) === null) return DATA_DIR;
  await mkdir(SHARED_BASE, { recursive: true, mode: 0o755 });
  const blocked = await blockedPathFor(account, SHARED_BASE);
  if (blocked) throw new Error(`Neither ${DATA_DIR} nor ${SHARED_BASE} is traversable by user ${account.user}: ${blocked}`);
  return SHARED_BASE;
}

// --- process ---------------------------------------------------------------------

function waitForGreeting(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    let exited = false;
    const onExit = (code: number | null, signal: string | null) => {
      exited = true;
      reject(new Error(`dovecot exited (${signal ?? `code ${code}`}) before answering`));
    };
    child.once("exit", onExit);
    const attempt = () => {
      if (exited) return;
      const socket = connect({ host: "127.0.0.1", port });
      let text = "";
      const retry = (why: string) => {
        socket.destroy();
        if (exited) return;
        if (Date.now() > deadline) {
          child.off("exit", onExit);
          reject(new Error(`no IMAP greeting on 127.0.0.1:${port} within ${timeoutMs} ms (${why})`));
          return;
        }
        setTimeout(attempt, 50);
      };
      socket.setTimeout(2000, () => retry("timeout"));
      socket.on("error", (error) => retry(error.message));
      socket.on("data", (chunk) => {
        text += chunk.toString("latin1");
        if (!text.includes("\n")) return;
        socket.destroy();
        child.off("exit", onExit);
        if (text.startsWith("* OK")) resolve();
        else reject(new Error(`unexpected greeting: ${text.trim()}`));
      });
    };
    attempt();
  });
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill("SIGKILL"), 5000);
    child.once("exit", () => {
      clearTimeout(kill);
      resolve();
    });
    // Dovecot's master stops its children on SIGTERM.
    child.kill("SIGTERM");
  });
}

/**
 * Stops the Dovecot of a test process that died without cleaning up (its
 * directory's owner.pid names a process that no longer exists), so ports and
 * processes do not pile up. Only masters started from our own configuration
 * files are signalled.
 */
async function stopOrphans(base: string): Promise<void> {
  if (!existsSync(base)) return;
  for (const name of readdirSync(base)) {
    if (!name.startsWith(DIR_PREFIX)) continue;
    const dir = path.join(base, name);
    try {
      const owner = Number(readFileSync(path.join(dir, "owner.pid"), "utf8").trim());
      // Unreadable or half-written: a test process is setting it up right now.
      if (!Number.isInteger(owner) || owner <= 0 || isAlive(owner)) continue;
      const masterPidFile = path.join(dir, "run", "master.pid");
      if (existsSync(masterPidFile)) {
        const master = Number(readFileSync(masterPidFile, "utf8").trim());
        if (Number.isInteger(master) && master > 0 && readCmdline(master).includes(path.join(dir, "dovecot.conf"))) {
          // SIGTERM lets the master stop its children too.
          process.kill(master, "SIGTERM");
          const deadline = Date.now() + 5000;
          while (isAlive(master) && readCmdline(master) !== "" && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
          if (isAlive(master) && readCmdline(master) !== "") process.kill(master, "SIGKILL");
        }
      }
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // Another test process may be creating or removing it right now: leave it.
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readCmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
  } catch {
    return "";
  }
}

async function readLog(logPath: string): Promise<string> {
  try {
    return await readFile(logPath, "utf8");
  } catch {
    return "";
  }
}

function describeOutput(output: string[], log: string): string {
  const tail = (text: string) => text.split("\n").slice(-40).join("\n").trim();
  const parts = [];
  if (output.length > 0) parts.push(`dovecot output:\n${tail(output.join(""))}`);
  parts.push(log ? `dovecot log (last lines):\n${tail(log)}` : "dovecot log: (empty)");
  return parts.join("\n");
}

// --- Maildirs --------------------------------------------------------------------

let lastMicros = 0;
let sequence = 0;

/**
 * A name Dovecot sorts by its time prefix when it numbers new mail: strictly
 * increasing times keep UIDs in delivery order.
 */
function uniqueName(): string {
  lastMicros = Math.max(lastMicros + 1, Math.floor((performance.timeOrigin + performance.now()) * 1000));
  const seconds = Math.floor(lastMicros / 1_000_000);
  const micros = lastMicros % 1_000_000;
  sequence++;
  return `${seconds}.M${micros}P${process.pid}Q${sequence}.dovecot-test`;
}

/** RFC 3501 modified UTF-7, as Dovecot stores non-ASCII Maildir++ folder names on disk. */
function modifiedUtf7(name: string): string {
  return name.replace(/&|[^\x20-\x7e]+/g, (run) => {
    if (run === "&") return "&-";
    const utf16be = Buffer.from(run, "utf16le").swap16();
    return `&${utf16be.toString("base64").replace(/=+$/, "").replace(/\//g, ",")}-`;
  });
}

function hasControl(text: string): boolean {
  return [...text].some((char) => char.charCodeAt(0) < 0x20 || char === "\x7f");
}

class Maildirs {
  constructor(
    private readonly homes: string,
    private readonly owner: Account,
  ) {}

  private maildir(mailbox: string): string {
    if (!mailbox || mailbox.includes("/") || mailbox.startsWith(".") || hasControl(mailbox)) {
      throw new Error(`not a usable mailbox login: ${JSON.stringify(mailbox)}`);
    }
    return path.join(this.homes, mailbox, "Maildir");
  }

  private folderDir(mailbox: string, folder: string): string {
    const maildir = this.maildir(mailbox);
    if (folder.toUpperCase() === "INBOX") return maildir;
    const parts = folder.split("/");
    if (parts.some((part) => part === "" || part.includes(".") || hasControl(part))) {
      throw new Error(`folder ${JSON.stringify(folder)}: names are "/"-separated, without empty parts or "."`);
    }
    return path.join(maildir, `.${parts.map(modifiedUtf7).join(".")}`);
  }

  private async own(file: string): Promise<void> {
    if (process.getuid?.() === 0) await chown(file, this.owner.uid, this.owner.gid);
  }

  private async ensureDir(dir: string): Promise<void> {
    try {
      await mkdir(dir, { mode: 0o700 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST") return;
      throw error;
    }
    await this.own(dir);
  }

  /** The folder's directory, created (with the home and INBOX Maildir) when missing. */
  async folder(mailbox: string, folder: string): Promise<string> {
    const maildir = this.maildir(mailbox);
    await this.ensureDir(path.dirname(maildir));
    for (const dir of [maildir, ...["cur", "new", "tmp"].map((sub) => path.join(maildir, sub))]) await this.ensureDir(dir);
    const target = this.folderDir(mailbox, folder);
    if (target === maildir) return target;
    const existed = existsSync(target);
    for (const dir of [target, ...["cur", "new", "tmp"].map((sub) => path.join(target, sub))]) await this.ensureDir(dir);
    if (!existed) {
      const marker = path.join(target, "maildirfolder");
      await writeFile(marker, "");
      await this.own(marker);
    }
    return target;
  }

  /** Writes every message into tmp/ (in parallel), then renames them into new/ one by one in order. */
  async deliver(mailbox: string, folder: string, raws: readonly (Buffer | string)[]): Promise<void> {
    const target = await this.folder(mailbox, folder);
    const names = raws.map(() => uniqueName());
    const write = async (index: number) => {
      const file = path.join(target, "tmp", names[index]!);
      const handle = await open(file, "wx", 0o600);
      try {
        await handle.writeFile(raws[index]!);
        if (process.getuid?.() === 0) await handle.chown(this.owner.uid, this.owner.gid);
      } finally {
        await handle.close();
      }
    };
    let next = 0;
    const workers = Array.from({ length: Math.min(16, raws.length) }, async () => {
      while (next < raws.length) await write(next++);
    });
    await Promise.all(workers);
    for (const name of names) await rename(path.join(target, "tmp", name), path.join(target, "new", name));
  }

  /**
   * Index files must not vanish under a live session (it then answers SERVERBUG, "Mailbox was
   * deleted under us" or stale STATUS): the mailbox's sessions are kicked first and waited for.
   */
  async resetUidValidity(mailbox: string, folder: string, kick: (mailbox: string) => Promise<unknown>): Promise<void> {
    const target = this.folderDir(mailbox, folder);
    if (!existsSync(target)) throw new Error(`folder ${folder} of ${mailbox} does not exist`);
    await kick(mailbox);
    const maildir = this.maildir(mailbox);
    const indexFile = (name: string) =>
      name === "dovecot-uidlist" ||
      name.startsWith("dovecot.index") ||
      // The mailbox list index (in the INBOX Maildir) caches every folder's UIDVALIDITY too.
      name.startsWith("dovecot.list.index");
    for (const dir of new Set([target, maildir])) {
      for (const name of await readdir(dir)) {
        if (dir === maildir && target !== maildir && !name.startsWith("dovecot.list.index")) continue;
        if (indexFile(name)) await unlink(path.join(dir, name)).catch(() => undefined);
      }
    }
  }
}
