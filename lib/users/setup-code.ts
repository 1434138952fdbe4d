import { randomBytes, randomUUID, timingSafeEqual, createHash } from "node:crypto";
import type { Db } from "#lib/db";
import { open, seal } from "#lib/crypto";
import { sealedColumnContext, sealedColumns } from "#lib/secrets/sealed-columns";

/**
 * The one-time setup code (as Jenkins and Grafana do): a fresh install's
 * first-admin page is open to whoever reaches it first, so creating the first
 * admin needs a code that only the person who started the app can read
 * (`npm start` prints it; `npm run cli -- setup-code` prints it again). It
 * is kept sealed, so every web process of the install prints the same one,
 * and it is removed once the first admin exists.
 */

const column = sealedColumns.find((entry) => entry.column === "code_sealed")!;
const PURPOSE = "first-admin";
// Crockford's base32 without I, L, O, U: nothing to misread when typed from a terminal.
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

function newCode(): string {
  const bytes = randomBytes(12);
  const characters = [...bytes].map((byte) => ALPHABET[byte % 32]).join("");
  return `${characters.slice(0, 4)}-${characters.slice(4, 8)}-${characters.slice(8, 12)}`;
}

/** The code while the install has no user (made on first call), or null once it has one. */
export async function currentSetupCode(db: Db): Promise<string | null> {
  if ((await db.user.count()) > 0) return null;
  const existing = await db.setupCode.findUnique({ where: { purpose: PURPOSE } });
  if (existing) return open(existing.codeSealed, sealedColumnContext(column, existing.id));
  const id = randomUUID();
  const code = newCode();
  await db.setupCode.createMany({ data: [{ id, purpose: PURPOSE, codeSealed: seal(code, sealedColumnContext(column, id)) }], skipDuplicates: true });
  // Another process may have made one at the same moment: theirs stands.
  const stored = await db.setupCode.findUniqueOrThrow({ where: { purpose: PURPOSE } });
  return open(stored.codeSealed, sealedColumnContext(column, stored.id));
}

/** Whether `given` is the current code (case, spaces and dashes aside), compared in constant time. */
export async function isSetupCode(db: Db, given: string): Promise<boolean> {
  const stored = await db.setupCode.findUnique({ where: { purpose: PURPOSE } });
  if (!stored) return false;
  const normal = (code: string) => createHash("sha256").update(code.toUpperCase().replace(/[\s-]/g, "")).digest();
  return timingSafeEqual(normal(open(stored.codeSealed, sealedColumnContext(column, stored.id))), normal(given));
}

/** The code is spent: the first admin exists. */
export async function removeSetupCode(db: Pick<Db, "setupCode">): Promise<void> {
  await db.setupCode.deleteMany({ where: { purpose: PURPOSE } });
}
