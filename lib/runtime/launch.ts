import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { childProcessEnv } from "#lib/env";
import { logger } from "#lib/logger";
import { bootRuntime } from "./boot";
import { onShutdownSignal } from "./run-main";

const ROOT = process.cwd();
const NEXT_BIN = path.join(ROOT, "node_modules/next/dist/bin/next");
const TSX_BIN = path.join(ROOT, "node_modules/tsx/dist/cli.mjs");
const BUILD_STAMP = path.join(ROOT, ".next/connected-apps-source-stamp");
const SOURCE_ENTRIES = ["app", "components", "lib", "public", "next.config.ts", "package.json", "tsconfig.json"];

/**
 * Boots (database, migrations, secrets), builds the web app when its sources
 * changed since the last build, then runs `next start` and, in "all" mode,
 * the mail worker as child processes. Ctrl-C stops them, then PostgreSQL.
 */
export async function launch(mode: "all" | "web"): Promise<void> {
  const log = (message: string) => logger.info(message);
  const runtime = await bootRuntime(log);
  const children: ChildProcess[] = [];
  let stopping = false;

  const stopAll = async (code: number) => {
    stopping = true;
    await Promise.all(children.map((child) => stopChild(child)));
    await runtime.stop();
    return code;
  };
  onShutdownSignal(() => stopAll(0));

  const watch = (child: ChildProcess, name: string) => {
    children.push(child);
    child.on("exit", (code, signal) => {
      if (stopping) return;
      logger.error({ code, signal }, `${name} stopped unexpectedly; stopping everything`);
      void stopAll(1).then((exitCode) => process.exit(exitCode));
    });
  };

  await buildIfNeeded(log);
  const port = String(runtime.config.PORT);
  // Each child leads its own process group: stopChild signals the group, and
  // the order of shutdown stays ours rather than the terminal's.
  const options = { stdio: "inherit", env: childProcessEnv({ NODE_ENV: "production" }), detached: true } as const;
  watch(spawn(process.execPath, [TSX_BIN, "scripts/web-server.ts"], options), "web app");
  if (mode === "all") {
    watch(spawn(process.execPath, [TSX_BIN, "worker/main.ts"], options), "worker");
  }
  await waitUntilHealthy(`http://127.0.0.1:${port}/api/health`);
  process.stdout.write(`\nConnected Apps is running at ${runtime.config.APP_URL}  (Ctrl-C stops it)\n\n`);
}

function sourceStamp(): string {
  const hash = createHash("sha256");
  const visit = (entry: string) => {
    const full = path.join(ROOT, entry);
    if (!existsSync(full) || entry.startsWith("lib/generated")) return;
    const stat = statSync(full);
    if (stat.isDirectory()) {
      for (const child of readdirSync(full).sort()) visit(path.join(entry, child));
    } else {
      hash.update(`${entry}\0${stat.size}\0${stat.mtimeMs}\n`);
    }
  };
  SOURCE_ENTRIES.forEach(visit);
  return hash.digest("hex");
}

export async function buildIfNeeded(log: (message: string) => void): Promise<void> {
  // The checkout's path is part of the stamp: Next's build cache holds absolute paths.
  const stamp = `${ROOT}\n${sourceStamp()}`;
  const previous = existsSync(BUILD_STAMP) ? readFileSync(BUILD_STAMP, "utf8") : null;
  if (existsSync(path.join(ROOT, ".next/BUILD_ID")) && previous === stamp) return;
  // A .next copied along with a checkout from elsewhere fails to build (modules looked up at the old path).
  if (previous !== null && previous.split("\n")[0] !== ROOT) rmSync(path.join(ROOT, ".next"), { recursive: true, force: true });
  log("Building the web app (first start or changed sources; takes a minute or two)");
  const started = Date.now();
  await new Promise<void>((resolve, reject) => {
    // Build output goes to stderr: stdout stays for what the caller prints (the URL, bench JSON).
    const child = spawn(process.execPath, [NEXT_BIN, "build"], {
      stdio: ["ignore", process.stderr, process.stderr],
      env: childProcessEnv({ NODE_ENV: "production" }),
    });
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`next build failed with exit code ${code}`))));
  });
  writeFileSync(BUILD_STAMP, stamp);
  log(`Built the web app in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

async function waitUntilHealthy(url: string): Promise<void> {
  for (let attempt = 0; attempt < 120; attempt++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`The web app did not become healthy at ${url} within 60 s`);
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const signalGroup = (signal: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        // the group is already gone
      }
    };
    const timer = setTimeout(() => signalGroup("SIGKILL"), 10_000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    signalGroup("SIGTERM");
  });
}
