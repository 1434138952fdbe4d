import { spawn } from "node:child_process";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { createOAuthFixture, type OAuthFixture } from "#tests/support/oauth-fixture";

let f: OAuthFixture;

beforeAll(async () => {
  f = await createOAuthFixture();
});

function runWorker(args: string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.resolve("node_modules/tsx/dist/cli.mjs"), "tests/support/token-race-worker.ts", ...args], {
      env: {
        ...process.env,
        DATABASE_URL: f.databaseUrl,
        ENCRYPTION_KEYS: f.encryptionKeys,
        INSECURE_OAUTH_HOSTS: "127.0.0.1",
        APP_URL: "http://127.0.0.1:3999",
        LOG_LEVEL: "silent",
      },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("exit", (code) => (code === 0 ? resolve(JSON.parse(stdout) as string[]) : reject(new Error(`worker exited ${code}: ${stderr}`))));
  });
}

describe("one refresh across processes", () => {
  it("50 concurrent calls from 4 processes on a stale token make exactly one refresh request", async () => {
    const app = await f.createApp();
    const userId = await f.createUser("racer@example.test");
    f.provider.setAccessTokenTtl(60);
    await f.connect(app.id, userId, "racer@example.test");
    f.provider.setAccessTokenTtl(3600);
    f.provider.resetCounters();
    // A slow token endpoint widens the window in which the others must wait, not refresh.
    f.provider.setTokenDelay(500);
    try {
      const startAt = String(Date.now() + 4000);
      const results = await Promise.all(
        [13, 13, 12, 12].map((calls) => runWorker([app.id, userId, String(calls), startAt])),
      );
      const tokens = results.flat();
      expect(tokens).toHaveLength(50);
      expect(new Set(tokens).size).toBe(1);
      expect(f.provider.tokenRequests("refresh_token")).toBe(1);
      expect((await f.provider.introspect(tokens[0]!)).active).toBe(true);
    } finally {
      f.provider.setTokenDelay(0);
    }
  });
});
