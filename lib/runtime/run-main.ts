import { EnvError } from "#lib/env";

/**
 * Runs an entry point. A failure to start is the operator's to fix (bad
 * setting, database down, wrong key): print the message alone, no stack
 * trace, and exit 1.
 */
export function runMain(name: string, main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    const message = error instanceof EnvError || error instanceof Error ? error.message : String(error);
    process.stderr.write(`${name} cannot start.\n${message}\n`);
    process.exit(1);
  });
}

/** Calls `stop` once on the first SIGINT or SIGTERM, then exits with its code. */
export function onShutdownSignal(stop: () => Promise<number>): void {
  let stopping = false;
  const handler = () => {
    if (stopping) return;
    stopping = true;
    stop().then(
      (code) => process.exit(code),
      () => process.exit(1),
    );
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
}
