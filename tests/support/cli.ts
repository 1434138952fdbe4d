import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import path from "node:path";

/** Runs `npm run cli -- …` (its entry, without npm's banner) with the given environment. */
export function runCli(args: string[], env: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
  const dataDir = mkdtempSync(path.resolve(".data/cli-"));
  const result = spawnSync(process.execPath, [path.resolve("node_modules/tsx/dist/cli.mjs"), "cli/main.ts", ...args], {
    encoding: "utf8",
    env: { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: "warn", ...env },
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
