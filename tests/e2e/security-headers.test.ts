import { randomUUID } from "node:crypto";
import { readdirSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import { startAppServer, type AppServer } from "#tests/support/app-server";
import { HttpSession } from "#tests/support/http-session";
import { launchBrowser } from "#tests/support/browser";

// Every page and every API route, found in app/ as Next.js routes them, with
// each dynamic segment filled in: a new route is covered without editing this file.
function routes(): { pages: string[]; api: string[] } {
  const pages: string[] = [];
  const api: string[] = [];
  const walk = (dir: string, segments: string[]) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        const segment = /^\(.*\)$/.test(entry.name) ? null : entry.name.startsWith("[...") ? "session" : entry.name.startsWith("[") ? randomUUID() : entry.name;
        walk(path.join(dir, entry.name), segment ? [...segments, segment] : segments);
      } else if (entry.name === "page.tsx") {
        pages.push(`/${segments.join("/")}`);
      } else if (entry.name === "route.ts") {
        api.push(`/${segments.join("/")}`);
      }
    }
  };
  walk(path.resolve("app"), []);
  return { pages, api };
}

function expectCommonHeaders(response: Response, where: string) {
  const header = (name: string) => [where, response.headers.get(name)];
  expect(header("x-frame-options")).toEqual([where, "DENY"]);
  expect(header("x-content-type-options")).toEqual([where, "nosniff"]);
  expect(header("referrer-policy")).toEqual([where, "no-referrer"]);
  expect(header("content-security-policy")[1]).toContain("frame-ancestors 'none'");
  // APP_URL is http here: no HSTS (a browser would remember it for localhost).
  expect(header("strict-transport-security")).toEqual([where, null]);
}

let app: AppServer;
let admin: HttpSession;
const found = routes();

beforeAll(async () => {
  app = await startAppServer();
  admin = new HttpSession(app.url);
  await app.createFirstAdmin("ada@example.test", "a long passphrase");
  await admin.signIn("ada@example.test", "a long passphrase");
});

describe("security headers", () => {
  it("finds the app's pages and API routes", () => {
    expect(found.pages).toEqual(expect.arrayContaining(["/", "/login", "/connections"]));
    expect(found.api).toEqual(expect.arrayContaining(["/api/health", "/api/v1/me"]));
  });

  it("are on every page, signed in and signed out, with a fresh script nonce each time", async () => {
    const nonces = new Set<string>();
    for (const page of found.pages) {
      for (const response of [await fetch(`${app.url}${page}`, { redirect: "manual" }), await admin.request(page)]) {
        expectCommonHeaders(response, page);
        const policy = response.headers.get("content-security-policy")!;
        const nonce = /'nonce-([^']+)'/.exec(policy)?.[1];
        expect([page, nonce]).toEqual([page, expect.stringMatching(/^[A-Za-z0-9+/]{22}==$/)]);
        expect(policy).toContain("'strict-dynamic'");
        nonces.add(nonce!);
      }
    }
    expect(nonces.size).toBe(found.pages.length * 2);
  });

  it("allow remote images only on a message page that asked for them, and only over https", async () => {
    const imagesOf = async (path: string) => /img-src ([^;]+)/.exec((await admin.request(path)).headers.get("content-security-policy")!)?.[1];
    const message = "/messages/00000000-0000-4000-8000-000000000000";
    expect(await imagesOf(`${message}?images=remote`)).toBe("'self' data: blob: https:");
    for (const path of [message, `${message}?images=all`, "/connections?images=remote", `${message}/x?images=remote`]) {
      expect([path, await imagesOf(path)]).toEqual([path, "'self' data: blob:"]);
    }
  });

  it("are on every API answer, with a policy that allows nothing", async () => {
    for (const route of found.api) {
      for (const response of [await fetch(`${app.url}${route}`, { redirect: "manual" }), await admin.request(route)]) {
        expectCommonHeaders(response, route);
        expect([route, response.headers.get("content-security-policy")]).toEqual([route, expect.stringMatching(/^default-src 'none'/)]);
      }
    }
  });

  it("are on static files and the icon", async () => {
    for (const file of ["/icon.svg", "/robots.txt"]) {
      const response = await fetch(`${app.url}${file}`);
      expect(response.status).toBe(200);
      expectCommonHeaders(response, file);
    }
    expect(await (await fetch(`${app.url}/robots.txt`)).text()).toContain("Disallow: /");
  });

  it("let the pages' own scripts run in Chromium and nothing else: no policy violation, the sign-in form works", async () => {
    const browser = await launchBrowser();
    try {
      const page = await browser.context.newPage();
      const problems: string[] = [];
      page.on("console", (message) => {
        if (message.type() === "error") problems.push(message.text());
      });
      await page.addInitScript(() => {
        document.addEventListener("securitypolicyviolation", (event) => console.error(`CSP violation: ${event.violatedDirective} ${event.blockedURI}`));
      });
      await page.goto(`${app.url}/login`);
      await page.fill("#email", "ada@example.test");
      await page.fill("#password", "a long passphrase");
      await page.click("button[type=submit]");
      await page.waitForURL(`${app.url}/`);
      await page.goto(`${app.url}/admin/connected-apps/new`);
      await page.waitForSelector("form");
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});

describe("the client address", () => {
  async function failedSignInAddress(server: AppServer, email: string, forwardedFor: string): Promise<string | null> {
    const session = new HttpSession(server.url);
    const { csrfToken } = (await (await session.request("/api/auth/csrf")).json()) as { csrfToken: string };
    await session.request("/api/auth/callback/credentials", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "x-forwarded-for": forwardedFor, "x-real-ip": forwardedFor },
      body: new URLSearchParams({ email, password: "wrong", csrfToken, json: "true" }),
    });
    const client = new pg.Client({ connectionString: server.databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ ip: string | null }>("SELECT ip FROM audit_events WHERE action = 'sign_in_failed' AND target_id = $1", [email]);
      return rows[0]?.ip ?? null;
    } finally {
      await client.end();
    }
  }

  it("is the socket's peer: a forged X-Forwarded-For is not believed", async () => {
    expect(await failedSignInAddress(app, "forged@example.test", "198.51.100.66")).toBe("127.0.0.1");
  });

  it("is the address a trusted proxy names (TRUSTED_PROXIES)", async () => {
    const behindProxy = await startAppServer({ env: { TRUSTED_PROXIES: "127.0.0.1" } });
    expect(await failedSignInAddress(behindProxy, "proxied@example.test", "203.0.113.7, 198.51.100.66")).toBe("198.51.100.66");
  });
});
