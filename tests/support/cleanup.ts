/**
 * Cleanups registered by helpers (a test database, a server) run after the
 * test file, from the setup file's afterAll. Helpers are called inside
 * beforeAll, where vitest does not accept another afterAll.
 */
const cleanups: (() => Promise<void> | void)[] = [];

export function registerCleanup(cleanup: () => Promise<void> | void): void {
  cleanups.push(cleanup);
}

export async function runCleanups(): Promise<void> {
  // Last registered first: a server stops before its database is dropped.
  while (cleanups.length > 0) await cleanups.pop()!();
}
