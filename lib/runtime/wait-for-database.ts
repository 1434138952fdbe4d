import pg from "pg";

/**
 * Waits for PostgreSQL to answer, one try per second for up to `seconds`,
 * logging each failed attempt, then fails with a clear message.
 */
export async function waitForDatabase(
  url: string,
  options: { seconds: number; log: (message: string) => void },
): Promise<void> {
  const deadline = Date.now() + options.seconds * 1000;
  for (let attempt = 1; ; attempt++) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
    try {
      await client.connect();
      await client.query("SELECT 1");
      return;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      if (Date.now() >= deadline) {
        throw new Error(`The database at ${describeDatabase(url)} did not answer for ${options.seconds} s (last error: ${reason})`, { cause: error });
      }
      options.log(`Database at ${describeDatabase(url)} not reachable (attempt ${attempt}: ${reason}); retrying`);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    } finally {
      await client.end().catch(() => {});
    }
  }
}

/** host:port/database, without the user or password. */
export function describeDatabase(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}`;
}
