import { beforeAll, describe, expect, it } from "vitest";
import { launchBrowser } from "#tests/support/browser";
import { startAppServer, type AppServer } from "#tests/support/app-server";
import { startOwnCluster, type OwnCluster } from "#tests/support/own-cluster";

let cluster: OwnCluster;
let app: AppServer;

beforeAll(async () => {
  // A cluster of its own: this test stops and restarts it.
  cluster = await startOwnCluster("e2e-outage");
  // Errors logged, to find the line behind the error page's reference.
  app = await startAppServer({ databaseUrl: cluster.databaseUrl, env: { LOG_LEVEL: "error" } });
});

describe("the web app while its database goes down and comes back", () => {
  it("answers 503 on /api/health and an error page, without crashing, then recovers", async () => {
    expect((await fetch(`${app.url}/api/health`)).status).toBe(200);

    await cluster.stop();
    const health = await fetch(`${app.url}/api/health`);
    expect(health.status).toBe(503);
    expect(await health.json()).toEqual({ status: "error", db: "unavailable" });
    expect((await fetch(`${app.url}/login`)).status).toBe(500);
    const browser = await launchBrowser();
    try {
      const page = await browser.context.newPage();
      await page.goto(`${app.url}/login`);
      await page.waitForSelector("h1:text('Something went wrong')");
      // What happened, in words, and a reference that finds the server's log line about it.
      await page.waitForSelector("text=The app cannot reach its database just now");
      const reference = await page.innerText("[data-testid=error-reference]");
      expect(reference).toMatch(/^\S+$/);
      const logged = app
        .output()
        .split("\n")
        .filter((line) => line.includes(`"digest":"${reference}"`));
      expect(logged.length).toBeGreaterThan(0);
      expect(JSON.parse(logged[0]!).requestId).toMatch(/^[0-9a-f]{16}$/);
    } finally {
      await browser.close();
    }
    const api = await fetch(`${app.url}/api/v1/setup`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "ada@example.test", password: "a long passphrase", setupCode: "AAAA-BBBB-CCCC" }),
    });
    expect(api.status).toBe(503);
    expect(((await api.json()) as { error: { code: string } }).error.code).toBe("database_unavailable");

    await cluster.restart();
    expect((await fetch(`${app.url}/api/health`)).status).toBe(200);
    expect((await fetch(`${app.url}/login`, { redirect: "manual" })).status).toBe(307);
  });
});
