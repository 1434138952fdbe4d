import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { withProcessLock } from "#lib/runtime/process-lock";
import { registerCleanup } from "#tests/support/cleanup";

function contender(name: string, rounds: string) {
  const child = spawn(process.execPath, ["--import", "tsx", path.resolve("tests/support/lock-contender.ts"), name, rounds], { stdio: ["ignore", "pipe", "inherit"] });
  registerCleanup(() => {
    if (child.exitCode === null) child.kill("SIGKILL");
  });
  let output = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return { child, exited, output: () => output };
}

// The lock that lets one process at a time start the embedded PostgreSQL of a data directory.
describe("the process lock", () => {
  it("is held by one process at a time: two processes taking it 40 times each never overlap", async () => {
    const name = `test-${randomUUID()}`;
    const contenders = [contender(name, "40"), contender(name, "40")];
    await Promise.all(contenders.map((c) => c.exited));
    const holds = contenders.flatMap((c) => c.output().trim().split("\n").map((line) => JSON.parse(line) as [number, number]));
    expect(holds).toHaveLength(80);
    holds.sort((a, b) => a[0] - b[0]);
    for (let index = 1; index < holds.length; index++) expect(holds[index]![0]).toBeGreaterThanOrEqual(holds[index - 1]![1]);
  });

  it("is free the moment a holder is killed with SIGKILL: there is no stale lock to take over", async () => {
    const name = `test-${randomUUID()}`;
    const holder = contender(name, "hold");
    await new Promise<void>((resolve) => holder.child.stdout.on("data", () => resolve()));
    // Held: another taker waits...
    await expect(withProcessLock(name, { timeoutMs: 300, waitingFor: "the holder" }, async () => "got it")).rejects.toThrow(/Timed out/);
    holder.child.kill("SIGKILL");
    await holder.exited;
    // ...and gets it once the holder is gone, however it went.
    expect(await withProcessLock(name, { timeoutMs: 5_000, waitingFor: "nobody" }, async () => "got it")).toBe("got it");
  });
});
