import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import path from "node:path";
import type { AppServer } from "./app-server";
import { registerCleanup } from "./cleanup";

export interface RunningWorker {
  /** Everything it wrote so far (its log lines at the given level). */
  output(): string;
  /** SIGTERM, as Ctrl-C: it hands its accounts back and stops. */
  stop(): Promise<void>;
}

/** The real worker entry (`npm run worker`: mail sessions and the job runner) against the app's database. */
export function startWorkerEntry(app: AppServer, logLevel = "info"): Promise<RunningWorker> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", path.resolve("worker/main.ts")], {
      env: { ...process.env, ...app.env, DATA_DIR: mkdtempSync(path.resolve(".data/worker-")), LOG_LEVEL: logLevel },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const stop = async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((done) => child.once("exit", done));
      child.kill("SIGTERM");
      await exited;
    };
    registerCleanup(stop);
    let output = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("worker started")) resolve({ output: () => output, stop });
    });
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("exit", (code) => reject(new Error(`worker exited ${code}: ${output}`)));
  });
}
