// Takes the process lock `name` `rounds` times, holding it a few milliseconds each, and prints
// one JSON line per hold: [enteredAt, leftAt] (ms, wall clock). With "hold" it takes it once and keeps it.
import { withProcessLock } from "#lib/runtime/process-lock";

const [name, rounds] = process.argv.slice(2);
if (rounds === "hold") {
  await withProcessLock(name!, { timeoutMs: 10_000, waitingFor: "the test" }, async () => {
    process.stdout.write("holding\n");
    // Held until the test kills this process (a timer keeps it alive; the lock itself does not).
    await new Promise(() => setInterval(() => {}, 60_000));
  });
} else {
  for (let round = 0; round < Number(rounds); round++) {
    await withProcessLock(name!, { timeoutMs: 60_000, waitingFor: "the test" }, async () => {
      const entered = Date.now();
      await new Promise((resolve) => setTimeout(resolve, 3));
      process.stdout.write(`${JSON.stringify([entered, Date.now()])}\n`);
    });
  }
}
