import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";

/**
 * `npm test`: installs the Debian packages the suites need when it can (as
 * root), or stops naming them; never skips a suite. Then runs every vitest
 * project and writes the JSON report that .ci/run counts.
 */
const needs = [
  { pkg: "chromium", file: "/usr/bin/chromium" },
  { pkg: "dovecot-imapd", file: "/usr/sbin/dovecot" },
];

const missing = needs.filter((need) => !existsSync(need.file));
if (missing.length > 0) {
  const names = missing.map((need) => need.pkg);
  if (process.getuid?.() !== 0) {
    console.error(`The tests need these Debian packages: ${names.join(" ")}.\nInstall them: sudo apt-get install -y ${names.join(" ")}`);
    process.exit(1);
  }
  console.log(`Installing Debian packages the tests need: ${names.join(" ")}`);
  const run = (args: string[]) => spawnSync("apt-get", args, { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  if (run(["update", "-q"]).status !== 0 || run(["install", "-y", "-q", ...names]).status !== 0) {
    console.error(`Could not install ${names.join(" ")} with apt-get`);
    process.exit(1);
  }
}

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
