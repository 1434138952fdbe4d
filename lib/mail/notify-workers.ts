import type { Db } from "#lib/db";

// The channels the mail workers LISTEN on (lib/mail/mail-worker.ts). Kept here,
// not there: web routes import this file, and must not pull the sync code
// (and its parse threads) into the web bundle.
export const MAIL_SYNC_CHANNEL = "mail_sync";
export const MAIL_ACCOUNT_CHANGED_CHANNEL = "mail_account_changed";

/** "Sync now": the worker that owns the account syncs at once (it LISTENs); the others ignore it. */
export async function requestSync(db: Db, emailAccountId: string): Promise<void> {
  await db.$executeRaw`SELECT pg_notify(${MAIL_SYNC_CHANNEL}, ${emailAccountId})`;
}

/** Settings changed or account removed: the owner drops its session, and the next claim uses the new settings. */
export async function announceAccountChanged(db: Db, emailAccountId: string): Promise<void> {
  await db.$executeRaw`SELECT pg_notify(${MAIL_ACCOUNT_CHANGED_CHANNEL}, ${emailAccountId})`;
}
