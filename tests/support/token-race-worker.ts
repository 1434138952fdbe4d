// One of several processes racing for the same stale token (tests/integration/token-concurrency.test.ts).
// Arguments: <connectedAppId> <userId> <calls> <startAtEpochMs>. Prints the tokens it got as JSON.
import { createDb } from "#lib/db";
import { env } from "#lib/env";
import { getAccessToken } from "#lib/tokens/get-access-token";

const [appId, userId, calls, startAt] = process.argv.slice(2);
const db = createDb(env().DATABASE_URL!);
await db.$queryRaw`SELECT 1`;
await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(startAt) - Date.now())));
const tokens = await Promise.all(Array.from({ length: Number(calls) }, () => getAccessToken(db, appId!, userId!)));
process.stdout.write(JSON.stringify(tokens.map((token) => token.accessToken)));
await db.$disconnect();
