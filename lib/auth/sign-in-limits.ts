import type { Db } from "#lib/db";
import { AppError } from "#lib/errors";

/**
 * How many password sign-ins are checked, counted per one-minute window in
 * PostgreSQL (so every web process shares the counts), before the password
 * is hashed: an attempt is counted first, atomically, and only an attempt
 * within the limits is checked. A sign-in that succeeds gives its attempt
 * back, so the counts are of failures and of attempts in flight.
 *
 * - One account from one address: 10 a minute, then refused (429).
 * - One address, whatever the accounts: 30 a minute, then refused.
 * - One account from every address together: past 10 a minute each further
 *   attempt waits (250 ms per attempt over, at most 3 s) but is not refused,
 *   so a stranger guessing at an account slows down without locking its
 *   owner out: the owner's own address keeps its own budget.
 *
 * The window slides: the previous minute's count weighs in for the part of
 * it that still falls within the last 60 seconds.
 */
export const SIGN_IN_LIMITS = {
  perAccountAndAddress: 10,
  perAddress: 30,
  accountSlowdownAfter: 10,
  slowdownStepMs: 250,
  maxDelayMs: 3000,
} as const;

const WINDOW_MS = 60_000;
const RATE_LIMITED = "Too many failed sign-ins from here for this address: wait a minute and try again";

export interface Admission {
  /** How long to wait before checking the password (the account is under attack from elsewhere). */
  delayMs: number;
  /** A successful sign-in gives its attempt back. */
  refund(): Promise<void>;
}

function keysOf(email: string, ip: string | null) {
  const address = ip ?? "unknown";
  return { accountAndAddress: `sign-in:account-address:${email}|${address}`, address: `sign-in:address:${address}`, account: `sign-in:account:${email}` };
}

/** The counts of the keys in the sliding minute ending now, the current window's taken from `current` when given. */
async function slidingCounts(db: Db, keys: string[], current?: Map<string, number>): Promise<Map<string, number>> {
  const rows = await db.$queryRaw<{ key: string; current: number; previous: number; elapsed: number }[]>`
    SELECT k.key,
           COALESCE((SELECT count FROM rate_limit_counters WHERE key = k.key AND window_start = date_trunc('minute', now())), 0) AS current,
           COALESCE((SELECT count FROM rate_limit_counters WHERE key = k.key AND window_start = date_trunc('minute', now()) - interval '1 minute'), 0) AS previous,
           extract(epoch FROM now() - date_trunc('minute', now()))::float8 AS elapsed
      FROM unnest(${keys}::text[]) AS k(key)`;
  return new Map(
    rows.map((row) => {
      const weight = Math.max(0, 1 - (row.elapsed * 1000) / WINDOW_MS);
      // Rounded up: the estimate may count an attempt too many, never one too few.
      return [row.key, (current?.get(row.key) ?? row.current) + Math.ceil(row.previous * weight)];
    }),
  );
}

/** Refuses (429) an account and address, or an address, already at its limit. Reads only: for an early answer. */
export async function assertSignInAllowed(db: Db, email: string, ip: string | null): Promise<void> {
  const keys = keysOf(email.trim().toLowerCase(), ip);
  const counts = await slidingCounts(db, [keys.accountAndAddress, keys.address]);
  if ((counts.get(keys.accountAndAddress) ?? 0) >= SIGN_IN_LIMITS.perAccountAndAddress || (counts.get(keys.address) ?? 0) >= SIGN_IN_LIMITS.perAddress) {
    throw new AppError("rate_limited", RATE_LIMITED);
  }
}

/**
 * Counts one attempt against every limit, atomically, and refuses it
 * (rate_limited) when it goes past one: of many attempts at once, exactly as
 * many as the limit allows go on to the password check.
 */
export async function admitSignIn(db: Db, email: string, ip: string | null): Promise<Admission> {
  const keys = keysOf(email, ip);
  const all = [keys.accountAndAddress, keys.address, keys.account];
  const counted = await db.$queryRaw<{ key: string; count: number; window_start: Date }[]>`
    INSERT INTO rate_limit_counters (key, window_start, count)
    SELECT key, date_trunc('minute', now()), 1 FROM unnest(${all}::text[]) AS k(key)
    ON CONFLICT (key, window_start) DO UPDATE SET count = rate_limit_counters.count + 1
    RETURNING key, count, window_start`;
  const window = counted[0]!.window_start;
  const counts = await slidingCounts(db, all, new Map(counted.map((row) => [row.key, row.count])));
  if ((counts.get(keys.accountAndAddress) ?? 0) > SIGN_IN_LIMITS.perAccountAndAddress || (counts.get(keys.address) ?? 0) > SIGN_IN_LIMITS.perAddress) {
    throw new AppError("rate_limited", RATE_LIMITED);
  }
  const over = (counts.get(keys.account) ?? 0) - SIGN_IN_LIMITS.accountSlowdownAfter;
  return {
    delayMs: over > 0 ? Math.min(SIGN_IN_LIMITS.maxDelayMs, over * SIGN_IN_LIMITS.slowdownStepMs) : 0,
    async refund() {
      await db.$executeRaw`
        UPDATE rate_limit_counters SET count = GREATEST(0, count - 1)
         WHERE key = ANY(${all}::text[]) AND window_start = ${window}`;
    },
  };
}

/** Counters of windows that no longer count (housekeeping). */
export async function deleteOldRateLimitCounters(db: Db): Promise<number> {
  return db.$executeRaw`DELETE FROM rate_limit_counters WHERE window_start < now() - interval '2 minutes'`;
}
