import { beforeAll, describe, expect, it } from "vitest";
import { getAccessToken } from "#lib/tokens/get-access-token";
import { createOAuthFixture, type OAuthFixture } from "#tests/support/oauth-fixture";
import { appError } from "#tests/support/refusals";

// The token endpoint misbehaving: connections stay active, the cached token is
// served while it lasts, then callers get 502 provider_unavailable at once
// (within the 10 s provider timeout, however slow the provider), and all is
// well again by itself as soon as the provider is.
let f: OAuthFixture;
let app: Awaited<ReturnType<OAuthFixture["createApp"]>>;

beforeAll(async () => {
  f = await createOAuthFixture();
  app = await f.createApp();
});

type Fault = { name: string; set(): Promise<void> };
const faults: Fault[] = [
  { name: "answering 500", set: () => f.provider.setDown("500") },
  { name: "answering an HTML error page", set: () => f.provider.setDown("html") },
  { name: "resetting the connection", set: () => f.provider.setDown("reset") },
  { name: "refusing connections", set: () => f.provider.setDown("refuse") },
  {
    name: "answering after 30 s",
    set: async () => {
      f.provider.setTokenDelay(30_000);
    },
  },
];

async function heal(): Promise<void> {
  f.provider.setTokenDelay(0);
  await f.provider.setDown(false);
}

describe("a token endpoint", () => {
  for (const [index, fault] of faults.entries()) {
    it(`${fault.name}: the cached token is served, then 502 provider_unavailable, and it recovers`, async () => {
      const email = `fault-${index}@example.test`;
      const userId = await f.createUser(email);
      await f.connect(app.id, userId, email);
      const row = () => f.db.tokenCache.findFirstOrThrow({ where: { connectedAppId: app.id, userId } });
      const cached = await getAccessToken(f.db, app.id, userId);

      await fault.set();
      try {
        // Inside the refresh margin but not expired: a refresh is tried, fails, and the cached token is served.
        await f.db.tokenCache.updateMany({ where: { connectedAppId: app.id, userId }, data: { expiresAt: new Date(Date.now() + 60_000) } });
        expect((await getAccessToken(f.db, app.id, userId)).accessToken).toBe(cached.accessToken);
        expect((await row()).status).toBe("active");

        // Expired: the caller is told at once, not kept waiting past the provider timeout.
        await f.db.tokenCache.updateMany({ where: { connectedAppId: app.id, userId }, data: { expiresAt: new Date(Date.now() - 1000) } });
        const started = performance.now();
        expect((await appError(getAccessToken(f.db, app.id, userId))).code).toBe("provider_unavailable");
        expect(performance.now() - started).toBeLessThan(20_000);
        const after = await row();
        expect(after.status).toBe("active");
        expect(after.consecutiveFailures).toBeGreaterThanOrEqual(2);
      } finally {
        await heal();
      }

      // The provider is back: the next call refreshes, with nothing to reset by hand.
      const fresh = await getAccessToken(f.db, app.id, userId);
      expect(fresh.accessToken).not.toBe(cached.accessToken);
      expect(fresh.expiresAt!.getTime()).toBeGreaterThan(Date.now());
      expect((await row()).consecutiveFailures).toBe(0);
    }, 90_000);
  }
});
