import { describe, expect, it } from "vitest";
import { CliUsageError, runCommand } from "#lib/cli/run-command";

// Unknown commands are refused before anything boots: no command runs by
// default (a new command without its own entry once fell through to
// "keys rotate", which re-seals every secret).
describe("the admin CLI", () => {
  it.each([
    [["keys", "rotat"], 'Unknown command "keys rotat"'],
    [["keys"], 'Unknown command "keys"'],
    [["user", "delete", "--email", "a@example.test"], 'Unknown command "user delete"'],
    [["constructor"], 'Unknown command "constructor"'],
    [["toString"], 'Unknown command "toString"'],
    [[], "No command given"],
  ])("refuses %j as a usage error", async (argv, message) => {
    const refused = runCommand(argv);
    await expect(refused).rejects.toBeInstanceOf(CliUsageError);
    await expect(refused).rejects.toThrow(message);
  });

  it("prints a new key entry without a database", async () => {
    expect(await runCommand(["keys", "generate", "--version", "v9"])).toMatch(/^v9:[A-Za-z0-9+/]{43}=$/);
  });
});
