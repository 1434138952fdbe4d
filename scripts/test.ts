import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { CHROMIUM, DOVECOT, ensureDebianPackages } from "./debian-packages";

/**
 * `npm test`: installs the Debian packages the suites need when it can (as
 * root), or stops naming them; never skips a suite. Then runs every vitest
 * project and writes the JSON report that .ci/run counts.
 */
ensureDebianPackages([CHROMIUM, DOVECOT], "the tests");

mkdirSync("reports", { recursive: true });
const result = spawnSync(
  process.execPath,
  [
    "node_modules/vitest/vitest.mjs",
    "run",
    "--reporter=default",
    "--reporter=json",
    "--outputFile.json=reports/vitest.json",
    ...process.argv.slice(2),
  ],
  { stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } },
);
process.exit(result.status ?? 1);
