import { runMain } from "#lib/runtime/run-main";

const USAGE = `Usage: npm run cli -- <command>

  user create --email E --password P [--role admin|user] [--name N]
  user disable --email E
  user enable --email E
  api-key create --email E [--name N] [--expires-in-days D]
                                          prints the key once (only its hash is stored); expires after D days (default 90, at most 730)
  api-key revoke --prefix P               revokes the key whose first characters are P (as printed at creation)
  setup-code                              prints the code the first-admin page asks for (only while there is no user)
  keys generate [--version V]             prints a new key entry for ENCRYPTION_KEYS
  keys rotate                             re-seals every secret with the first key of ENCRYPTION_KEYS
`;

runMain("Connected Apps CLI", async () => {
  const { runCommand, CliUsageError } = await import("#lib/cli/run-command");
  try {
    const output = await runCommand(process.argv.slice(2));
    process.stdout.write(`${output}\n`);
    process.exit(0);
  } catch (error) {
    if (error instanceof CliUsageError) {
      process.stderr.write(`${error.message}\n\n${USAGE}`);
      process.exit(2);
    }
    throw error;
  }
});
