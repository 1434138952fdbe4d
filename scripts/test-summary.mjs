// Prints "N passed, N failed, N skipped" from vitest's JSON report and exits
// non-zero when a test failed or the report is missing or holds no test.
import { readFileSync } from "node:fs";

const file = process.argv[2] ?? "reports/vitest.json";
let report;
try {
  report = JSON.parse(readFileSync(file, "utf8"));
} catch (error) {
  console.log(`0 passed, 1 failed (no test report at ${file}: ${error.message})`);
  process.exit(1);
}
let passed = 0;
let failed = 0;
let skipped = 0;
for (const suite of report.testResults ?? []) {
  for (const test of suite.assertionResults ?? []) {
    if (test.status === "passed") passed++;
    else if (test.status === "failed") failed++;
    else skipped++;
  }
  // A file that failed before its tests ran (import error, hook failure) has no assertion results.
  if (suite.status === "failed" && !(suite.assertionResults ?? []).some((test) => test.status === "failed")) failed++;
}
// An error outside any test (a broken config, an unhandled rejection) fails the run too.
if (report.success === false && failed === 0) failed++;
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
