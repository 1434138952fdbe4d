import { defineConfig } from "vitest/config";

// Three projects: unit (no I/O), integration (real PostgreSQL and peers),
// e2e (Chromium against `next start`). `npm test` runs all three.
export default defineConfig({
  test: {
    reporters: ["default"],
    projects: [
      {
        test: {
          name: "unit",
          // Projects run one group after another: cheap failures first, and
          // the two cores are not shared between a build and a test server.
          sequence: { groupOrder: 0 },
          include: ["tests/unit/**/*.test.ts"],
          setupFiles: ["tests/support/setup-test-file.ts"],
          environment: "node",
        },
      },
      {
        test: {
          name: "integration",
          // Expected failures (refused callbacks, a provider that is down) log warnings: keep the report readable.
          env: { LOG_LEVEL: "silent" },
          sequence: { groupOrder: 1 },
          include: ["tests/integration/**/*.test.ts"],
          setupFiles: ["tests/support/setup-test-file.ts"],
          globalSetup: ["tests/support/global-setup-database.ts"],
          environment: "node",
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // Two cores here: more forks only fight over them.
          maxWorkers: 2,
        },
      },
      {
        test: {
          name: "e2e",
          sequence: { groupOrder: 2 },
          include: ["tests/e2e/**/*.test.ts"],
          setupFiles: ["tests/support/setup-test-file.ts"],
          globalSetup: ["tests/support/global-setup-database.ts", "tests/support/global-setup-app.ts"],
          environment: "node",
          testTimeout: 120_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
