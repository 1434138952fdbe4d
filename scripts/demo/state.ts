import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { removeEmbeddedPostgres } from "#lib/runtime/embedded-postgres";

/** Marks a directory as the demo's: only such a directory has its database emptied, or is removed by --reset. */
const MARKER = "DEMO-STATE.txt";

/** Refuses a directory that holds something else (a real install's .data), else makes it the demo's. */
export function claimStateDirectory(dataDir: string): void {
  assertDemoDirectory(dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o755 });
  writeFileSync(
    path.join(dataDir, MARKER),
    "State of `npm run demo`: the embedded PostgreSQL cluster and the generated secrets, kept between runs.\n" +
      "The demo empties its database at every start. `npm run demo -- --reset` removes all of it.\n",
  );
}

/**
 * Removes the demo's state, with the cluster moved out of it when it was
 * relocated (root, checkout in a 0700 folder): deleting the directory alone
 * would leave that copy behind.
 */
export async function resetStateDirectory(dataDir: string, say: (line: string) => void): Promise<void> {
  if (!existsSync(dataDir)) {
    say(`Nothing to reset: ${dataDir} does not exist.`);
    return;
  }
  assertDemoDirectory(dataDir);
  const relocated = await removeEmbeddedPostgres(dataDir);
  if (relocated) say(`Removed ${relocated} (the demo's relocated PostgreSQL cluster).`);
  say(`Removed ${dataDir}. The next \`npm run demo\` starts from scratch.`);
}

function assertDemoDirectory(dataDir: string): void {
  if (existsSync(dataDir) && readdirSync(dataDir).length > 0 && !existsSync(path.join(dataDir, MARKER))) {
    throw new Error(`${dataDir} is not empty and is not a demo state directory (no ${MARKER}): the demo empties its database at start. Choose another DEMO_DATA_DIR.`);
  }
}


