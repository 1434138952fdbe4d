import { parseArgs } from "node:util";
import { db } from "#lib/db";
import { generateKeyringEntry, keyring } from "#lib/crypto";
import { AppError } from "#lib/errors";
import { logger } from "#lib/logger";
import { bootRuntime } from "#lib/runtime/boot";
import { createApiKey } from "#lib/api-keys/create-api-key";
import { revokeApiKey } from "#lib/api-keys/revoke-api-key";
import { rotateKeys } from "#lib/secrets/rotate-keys";
import { createUser } from "#lib/users/create-user";
import { currentSetupCode } from "#lib/users/setup-code";
import { updateUser } from "#lib/users/update-user";

export class CliUsageError extends Error {
  override name = "CliUsageError";
}

const options = {
  email: { type: "string" },
  password: { type: "string" },
  role: { type: "string" },
  name: { type: "string" },
  version: { type: "string" },
  "expires-in-days": { type: "string" },
  prefix: { type: "string" },
} as const;

type Values = { email?: string; password?: string; role?: string; name?: string; version?: string; "expires-in-days"?: string; prefix?: string };

/**
 * Every command the CLI knows, and what it does once the runtime is up. A
 * command missing here is refused as unknown: nothing runs by default.
 */
const bootedCommands: Record<string, (values: Values) => Promise<string>> = {
  async "user create"(values) {
    const user = await createUser(
      db(),
      { email: required(values.email, "--email"), password: required(values.password, "--password"), role: (values.role ?? "user") as "admin" | "user", name: values.name },
      CLI_ACTOR,
    );
    return `Created ${user.role} ${user.email} (${user.id})`;
  },
  "user disable": (values) => setEnabled(values, false),
  "user enable": (values) => setEnabled(values, true),
  async "api-key create"(values) {
    const created = await createApiKey(
      db(),
      { email: required(values.email, "--email"), name: values.name, expiresInDays: values["expires-in-days"] },
      CLI_ACTOR,
    );
    return `${created.key}\n\nThis is the only time the key is shown. Send it as: Authorization: Bearer <key>\nIt expires on ${created.expiresAt}; revoke it with: npm run cli -- api-key revoke --prefix ${created.prefix}`;
  },
  async "api-key revoke"(values) {
    const revoked = await revokeApiKey(db(), { prefix: required(values.prefix, "--prefix") }, { ...CLI_ACTOR, role: "admin" });
    return `Revoked ${revoked.prefix}… (${revoked.name})`;
  },
  async "setup-code"() {
    const code = await currentSetupCode(db());
    return code ? `Setup code for the first admin: ${code}` : "This install has users already: no setup code is needed.";
  },
  async "keys rotate"() {
    const result = await rotateKeys(db(), keyring());
    return `Re-sealed ${result.resealed} secret(s) with key "${keyring().current.version}". Keys other than it can now be removed from ENCRYPTION_KEYS.`;
  },
};

/** Audit events of the CLI name no user: whoever runs it has the server's own rights. */
const CLI_ACTOR = { id: null, ip: null };

/** Runs one admin command and returns what to print. Business rules stay in lib/<domain>. */
export async function runCommand(argv: string[]): Promise<string> {
  const { positionals, values } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  const command = positionals.join(" ");

  // Needs no database: it only prints a new key.
  if (command === "keys generate") return generateKeyringEntry(values.version ?? `v${Date.now()}`);

  const run = Object.hasOwn(bootedCommands, command) ? bootedCommands[command] : undefined;
  if (!run) throw new CliUsageError(command ? `Unknown command "${command}"` : "No command given");

  const runtime = await bootRuntime((message) => logger.info(message));
  try {
    return await run(values);
  } catch (error) {
    if (error instanceof AppError) throw new Error(error.message, { cause: error });
    throw error;
  } finally {
    await db().$disconnect();
    await runtime.stop();
  }
}

async function setEnabled(values: Values, enabled: boolean): Promise<string> {
  const email = required(values.email, "--email").toLowerCase();
  const user = await db().user.findUnique({ where: { email } });
  if (!user) throw new Error(`No user with the address ${email}`);
  await updateUser(db(), user.id, { enabled }, CLI_ACTOR);
  return `${enabled ? "Enabled" : "Disabled"} ${email}`;
}

function required(value: string | undefined, flag: string): string {
  if (!value) throw new CliUsageError(`${flag} is required`);
  return value;
}
