import type { Db } from "../db";
import { MAIL_ACCOUNT_CHANGED_CHANNEL, MAIL_SYNC_CHANNEL } from "./mail-worker";

/** "Sync now": the worker that owns the account syncs at once (it LISTENs); the others ignore it. */
export async function requestSync(db: Db, emailAccountId: string): Promise<void> {
  await db.$executeRaw`SELECT pg_notify(${MAIL_SYNC_CHANNEL}, ${emailAccountId})`;
}

/** Settings changed or account removed: the owner drops its session, and the next claim uses the new settings. */
export async function announceAccountChanged(db: Db, emailAccountId: string): Promise<void> {
  await db.$executeRaw`SELECT pg_notify(${MAIL_ACCOUNT_CHANGED_CHANNEL}, ${emailAccountId})`;
}
