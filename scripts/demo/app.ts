import { spawn } from "node:child_process";
import path from "node:path";

const TSX_BIN = path.resolve("node_modules/tsx/dist/cli.mjs");
const STOP_GRACE_MS = 30_000;

export interface AppProcess {
  /** Resolves with the exit code (null when a signal ended it) once `npm start`'s process is gone. */
  exited: Promise<number | null>;
  /** Resolves once GET /api/health answers 200; rejects if the app exits first. */
  healthy(url: string): Promise<void>;
  /** Stops the web server and the worker as Ctrl-C does for `npm start`. */
  stop(): Promise<void>;
}

/**
 * Runs `npm start` (scripts/start.ts: boot, build when the sources changed,
 * then the web server and the mail worker) with the given environment.
 */
export function startApp(env: NodeJS.ProcessEnv): AppProcess {
  // A process group of its own: the demo stops the app before the peers it talks to,
  // whichever processes the terminal's Ctrl-C reaches.
  const child = spawn(process.execPath, [TSX_BIN, "scripts/start.ts"], { stdio: "inherit", env, detached: true });
  const exited = new Promise<number | null>((resolve) => {
    child.once("exit", (code) => resolve(code));
    child.once("error", () => resolve(1));
  });
  let gone = false;
  void exited.then(() => (gone = true));

  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // already gone
    }
  };

  return {
    exited,
    async healthy(url) {
      while (!gone) {
        const ok = await fetch(url).then(
          (response) => response.ok,
          () => false,
        );
        if (ok) return;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      throw new Error(`The app stopped (exit code ${await exited}) before it answered at ${url}: its output is above.`);
    },
    async stop() {
      if (gone) return;
      signalGroup("SIGTERM");
      const timer = setTimeout(() => signalGroup("SIGKILL"), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}
