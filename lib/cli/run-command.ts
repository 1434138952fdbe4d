import { parseArgs } from "node:util";
import { db } from "#lib/db";
import { generateKeyringEntry, keyring } from "#lib/crypto";
import { AppError } from "#lib/errors";
import { logger } from "#lib/logger";
import { bootRuntime } from "#lib/runtime/boot";
import { createApiKey } from "#lib/api-keys/create-api-key";
import { rotateKeys } from "#lib/secrets/rotate-keys";
import { createUser } from "#lib/users/create-user";
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
} as const;

/** Runs one admin command and returns what to print. Business rules stay in lib/<domain>. */
export async function runCommand(argv: string[]): Promise<string> {
  const { positionals, values } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  const command = positionals.join(" ");

  if (command === "keys generate") return generateKeyringEntry(values.version ?? `v${Date.now()}`);

  const known = ["user create", "user disable", "user enable", "api-key create", "keys rotate"];
  if (!known.includes(command)) throw new CliUsageError(command ? `Unknown command "${command}"` : "No command given");

  const runtime = await bootRuntime((message) => logger.info(message));
  try {
    return await runBooted(command, values);
  } catch (error) {
    if (error instanceof AppError) throw new Error(error.message, { cause: error });
    throw error;
  } finally {
    await db().$disconnect();
    await runtime.stop();
  }
}

async function runBooted(
  command: string,
  values: { email?: string; password?: string; role?: string; name?: string },
): Promise<string> {
  const actor = { id: null, ip: null };
  switch (command) {
    case "user create": {
      const user = await createUser(
        db(),
        { email: required(values.email, "--email"), password: required(values.password, "--password"), role: (values.role ?? "user") as "admin" | "user", name: values.name },
        actor,
      );
      return `Created ${user.role} ${user.email} (${user.id})`;
    }
    case "user disable":
    case "user enable": {
      const email = required(values.email, "--email").toLowerCase();
      const user = await db().user.findUnique({ where: { email } });
      if (!user) throw new Error(`No user with the address ${email}`);
      const enabled = command === "user enable";
      await updateUser(db(), user.id, { enabled }, actor);
      return `${enabled ? "Enabled" : "Disabled"} ${email}`;
    }
    case "api-key create": {
      const created = await createApiKey(db(), { email: required(values.email, "--email"), name: values.name }, actor);
      return `${created.key}\n\nThis is the only time the key is shown. Send it as: Authorization: Bearer <key>`;
    }
    default: {
      const result = await rotateKeys(db(), keyring());
      return `Re-sealed ${result.resealed} secret(s) with key "${keyring().current.version}". Keys other than it can now be removed from ENCRYPTION_KEYS.`;
    }
  }
}

function required(value: string | undefined, flag: string): string {
  if (!value) throw new CliUsageError(`${flag} is required`);
  return value;
}
