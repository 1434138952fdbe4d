import { afterAll, afterEach, beforeEach, vi } from "vitest";
import { runCleanups } from "./cleanup";

// A console.error during a test is a defect to fix, not noise: fail the test.
let errors: unknown[][] = [];

beforeEach(() => {
  errors = [];
  vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => {
    errors.push(args);
  });
});

afterEach(() => {
  vi.mocked(console.error).mockRestore();
  if (errors.length > 0) {
    const text = errors.map((args) => args.map(String).join(" ")).join("\n");
    throw new Error(`console.error was called during the test:\n${text}`);
  }
});

afterAll(runCleanups);
