import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { removeEmbeddedPostgres } from "#lib/runtime/embedded-postgres";
import { HttpSession } from "#tests/support/http-session";
import { freePort } from "#tests/support/net";
import { authorizeHeadless } from "#tests/support/oidc-provider";

// `npm run demo` as a person runs it: a process group of its own (Ctrl-C signals the
// whole group), its own state directory and port, and a message every 2 s.

const USER = { email: "alex@example.com", password: "demo-user-password" };
const WELCOME = "Welcome to the Connected Apps demo";

let demo: ChildProcess;
let exit: Promise<number | null>;
let output = "";
let dataDir: string;
let url: string;
let peers: { provider: number; imap: number; smtp: number; postgres: number };
let user: HttpSession;
let accountId: string;
/** The process running scripts/demo.ts, under npm, sh and tsx's launcher. */
let demoPid: number;

interface Message {
  id: string;
  messageId: string | null;
  from: string | null;
  subject: string | null;
}

async function until<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined | null | false>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (demo.exitCode !== null) throw new Error(`the demo exited (code ${demo.exitCode}) while waiting for ${what}:\n${output}`);
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; demo output:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const printed = (pattern: RegExp, timeoutMs: number) => until(`output matching ${pattern}`, timeoutMs, async () => pattern.exec(output));

function refuses(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => resolve(true));
  });
}

/** The command lines of the processes in a process group. */
function groupMembers(pgid: number): string[] {
  return readdirSync("/proc").flatMap((entry) => {
    if (!/^\d+$/.test(entry)) return [];
    try {
      // Field 5 of /proc/<pid>/stat is the process group; the command (field 2) may contain spaces.
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]) !== pgid) return [];
      return [readFileSync(`/proc/${entry}/cmdline`, "utf8").replace(/\0/g, " ").trim()];
    } catch {
      return []; // gone meanwhile
    }
  });
}

async function messages(): Promise<Message[]> {
  const response = await user.request(`/api/v1/email-accounts/${accountId}/messages?limit=200`);
  expect(response.status, `${await response.clone().text()}\ndemo output:\n${output}`).toBe(200);
  return ((await response.json()) as { items: Message[] }).items;
}

beforeAll(async () => {
  // Reachable by the postgres user (mkdtemp makes 0700), so the cluster stays in it unless the checkout itself is not.
  dataDir = mkdtempSync(path.resolve(".data/demo-e2e-"));
  chmodSync(dataDir, 0o755);
  const port = await freePort();
  demo = spawn("npm", ["run", "--silent", "demo"], {
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    // The demo itself drops what a test runner sets (NODE_ENV=test, a DATABASE_URL).
    env: { ...process.env, DEMO_PORT: String(port), DEMO_DATA_DIR: dataDir, DEMO_MESSAGE_EVERY_SECONDS: "2" },
  });
  exit = new Promise((resolve) => demo.once("exit", (code) => resolve(code)));
  demo.stdout!.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  demo.stderr!.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));

  // Seconds with the build that the e2e setup made; minutes if sources changed since and `npm start` rebuilds.
  const banner = await printed(/Connected Apps demo: (http:\/\/localhost:\d+)[\s\S]*Ctrl-C \(or `kill (\d+)`\) stops everything/, 270_000);
  url = banner[1]!;
  demoPid = Number(banner[2]);
  expect(url).toBe(`http://localhost:${port}`);
  const local = /OpenID provider http:\/\/127\.0\.0\.1:(\d+), Dovecot IMAP 127\.0\.0\.1:(\d+),\s+SMTP 127\.0\.0\.1:(\d+), PostgreSQL 127\.0\.0\.1:(\d+)/.exec(output);
  expect(local, output).not.toBeNull();
  const [provider, imap, smtp, postgres] = local!.slice(1).map(Number) as [number, number, number, number];
  peers = { provider, imap, smtp, postgres };
}, 300_000);

afterAll(async () => {
  if (demo && demo.exitCode === null && demo.signalCode === null) {
    // A test failed before the last one stopped it: let the demo stop the app and its peers, or kill it.
    process.kill(demoPid || -demo.pid!, "SIGTERM");
    const timer = setTimeout(() => {
      try {
        process.kill(-demo.pid!, "SIGKILL");
      } catch {
        // the group is gone
      }
    }, 30_000);
    await exit;
    clearTimeout(timer);
  }
  // A killed demo leaves its PostgreSQL (a process group of its own) behind.
  const pidFile = dataDir && path.join(dataDir, "pg", "postmaster.pid");
  if (pidFile && existsSync(pidFile)) {
    try {
      process.kill(Number(readFileSync(pidFile, "utf8").split("\n")[0]), "SIGQUIT");
    } catch {
      // already gone
    }
  }
  // With its copy under /var/lib/connected-apps when the checkout is one the postgres user cannot reach (a 0700 home).
  if (dataDir) await removeEmbeddedPostgres(dataDir).catch(() => rmSync(dataDir, { recursive: true, force: true }));
});

describe("npm run demo", () => {
  it("prints the URL, the demo sign-ins and what to type at the provider", () => {
    expect(output).toContain(`user   ${USER.email}`);
    expect(output).toContain(`password ${USER.password}`);
    expect(output).toContain("admin  admin@example.com");
    expect(output).toContain(`type the login ${USER.email}`);
    expect(output).toContain('My connections -> "Connect to Demo Mail"');
  });

  it("signs the demo user in", async () => {
    user = new HttpSession(url);
    await user.signIn(USER.email, USER.password);
    expect(await user.sessionUser()).toMatchObject({ email: USER.email });
  });

  it("lets the user connect at the local provider, then adds the mail account on that connection", async () => {
    const page = await (await user.request("/connections")).text();
    expect(page).toContain("Demo Mail");
    const connect = /href="(\/api\/v1\/connected-apps\/[0-9a-f-]{36}\/connect\?successUri=\/connections)"/.exec(page)?.[1];
    expect(connect, "a Connect link on My connections").toBeDefined();
    const start = await user.request(connect!.replace(/&amp;/g, "&"));
    expect(start.status).toBe(302);
    const authorization = start.headers.get("location")!;
    expect(new URL(authorization).origin).toBe(`http://127.0.0.1:${peers.provider}`);
    const callback = new URL(await authorizeHeadless(new URL(authorization).origin, authorization, { login: USER.email }));
    expect(callback.origin).toBe(url);
    const done = await user.request(callback.pathname + callback.search);
    expect(done.status).toBe(302);
    expect(done.headers.get("location")).toBe(`${url}/connections`);

    await printed(/is connected: added the mail account alex@example\.com/, 15_000);
    const accounts = (await (await user.request("/api/v1/email-accounts")).json()) as { items: { id: string; emailAddress: string; imap: { port: number }; smtp: { port: number } }[] };
    expect(accounts.items).toHaveLength(1);
    expect(accounts.items[0]).toMatchObject({ emailAddress: USER.email, imap: { port: peers.imap }, smtp: { port: peers.smtp } });
    accountId = accounts.items[0]!.id;
  });

  it("drops new mail into the mailbox, which the app syncs over IMAP", async () => {
    // The worker claims a new account within its 10 s heartbeat; the welcome message and at least two letters by then.
    const synced = await until("three synced messages", 40_000, async () => {
      const items = await messages();
      return items.length >= 3 && items;
    });
    expect(synced.map((message) => message.subject)).toContain(WELCOME);
    const count = synced.length;
    await until("another message to arrive", 15_000, async () => (await messages()).length > count);
  });

  it("sends a reply through the local SMTP server, and its sender answers", async () => {
    const letter = (await messages()).find((message) => message.subject !== WELCOME && !message.subject?.startsWith("Re:"))!;
    const sender = /<([^>]+)>/.exec(letter.from ?? "")?.[1];
    expect(sender).toBeDefined();
    const sent = await user.request(`/api/v1/email-accounts/${accountId}/outbound`, {
      method: "POST",
      json: { to: [sender], subject: `Re: ${letter.subject}`, text: "Thanks, noted.", inReplyTo: letter.messageId },
    });
    expect(sent.status).toBe(202);
    await printed(new RegExp(`The app sent "Re: [^"]+" to ${sender!.replace(/\./g, "\\.")}: the local SMTP server accepted it`), 20_000);
    const answer = await until("the sender's answer", 20_000, async () =>
      (await messages()).find((message) => message.subject === `Re: ${letter.subject}` && message.from?.includes(sender!)),
    );
    expect(answer).toBeDefined();
  });

  it("stops everything on SIGINT and exits 0", async () => {
    // To the demo's own process: a terminal's Ctrl-C reaches npm too, which then answers 130
    // whatever its script did (npm's convention), so npm's exit code could not tell.
    process.kill(demoPid, "SIGINT");
    expect(await exit).toBe(0);
    expect(output).toContain("[demo] Stopped.");
    const port = Number(new URL(url).port);
    for (const [name, peerPort] of Object.entries({ web: port, ...peers })) {
      expect(await refuses(peerPort), `${name} port ${peerPort} is closed`).toBe(true);
    }
    // Nothing of npm's process group is left either (sh, tsx, the demo, Dovecot); tsx's esbuild
    // service notices its parent is gone a moment later.
    for (let waited = 0; groupMembers(demo.pid!).length > 0 && waited < 5_000; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(groupMembers(demo.pid!)).toEqual([]);
    // No secret reached the terminal: the generated keys, the database password, tokens.
    const secrets = JSON.parse(readFileSync(path.join(dataDir, "secrets.json"), "utf8")) as Record<string, string>;
    const database = JSON.parse(readFileSync(path.join(dataDir, "embedded-postgres.json"), "utf8")) as { password: string };
    for (const secret of [...Object.values(secrets).flatMap((value) => value.split(",")), database.password]) {
      expect(output).not.toContain(secret.replace(/^v\d+:/, ""));
    }
    expect(output).not.toMatch(/client_secret|clientSecret|Bearer /);
  });
});
