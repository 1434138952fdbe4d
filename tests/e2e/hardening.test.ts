import { randomUUID } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import { startAppServer, type AppServer } from "#tests/support/app-server";
import { HttpSession } from "#tests/support/http-session";
import { postEndless } from "#tests/support/endless-post";

let app: AppServer;
let admin: HttpSession;

async function sql<T extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: app.databaseUrl });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

async function signOut(session: HttpSession): Promise<void> {
  const { csrfToken } = (await (await session.request("/api/auth/csrf")).json()) as { csrfToken: string };
  const response = await session.request("/api/auth/signout", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ csrfToken, json: "true" }),
  });
  expect(response.status).toBe(200);
}

async function createUser(email: string, password: string): Promise<string> {
  const response = await admin.request("/api/v1/users", { method: "POST", json: { email, password, role: "user" } });
  expect(response.status).toBe(201);
  return ((await response.json()) as { id: string }).id;
}

beforeAll(async () => {
  app = await startAppServer();
  admin = new HttpSession(app.url);
  await app.createFirstAdmin("ada@example.test", "a long passphrase");
  await admin.signIn("ada@example.test", "a long passphrase");
});

describe("request bodies", () => {
  // 64 MiB written at most; a route that stops at its limit answers after a few MiB (the limit and the sockets' buffers).
  const STOPPED_EARLY = 16 * 1024 * 1024;

  it("stop being read at the route's limit when no Content-Length is sent", async () => {
    const result = await postEndless(`${app.url}/api/v1/setup`, { contentType: "application/json" });
    expect(result.status).toBe(413);
    expect(JSON.parse(result.body)).toMatchObject({ error: { code: "payload_too_large" } });
    expect(result.sentBytes).toBeLessThan(STOPPED_EARLY);
  });

  it("stop being read at the sign-in form's limit", async () => {
    const result = await postEndless(`${app.url}/api/auth/callback/credentials`, { contentType: "application/x-www-form-urlencoded" });
    expect(result.status).toBe(413);
    expect(result.sentBytes).toBeLessThan(STOPPED_EARLY);
  });

  it("stop being read for a signed-in caller's write too", async () => {
    const cookie = (await admin.request("/api/v1/me")).ok ? admin.cookieHeader() : "";
    const result = await postEndless(`${app.url}/api/v1/users`, { contentType: "application/json", cookie });
    expect(result.status).toBe(413);
    expect(result.sentBytes).toBeLessThan(STOPPED_EARLY);
  });

  it("are refused at once when the declared length is over the limit", async () => {
    const response = await fetch(`${app.url}/api/v1/setup`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "a@example.test", password: "x".repeat(2 * 1024 * 1024) }),
    });
    expect(response.status).toBe(413);
  });
});

describe("password sign-in", () => {
  it("checks at most 10 of 100 wrong passwords sent at once with one CSRF pair", async () => {
    await createUser("target@example.test", "targets passphrase");
    const attacker = new HttpSession(app.url);
    const { csrfToken } = (await (await attacker.request("/api/auth/csrf")).json()) as { csrfToken: string };
    const statuses = await Promise.all(
      Array.from({ length: 100 }, async (_, index) => {
        const response = await attacker.request("/api/auth/callback/credentials", {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({ email: "target@example.test", password: `guess ${index}`, csrfToken, json: "true" }),
        });
        await response.arrayBuffer();
        return response.status;
      }),
    );
    expect(statuses.every((status) => status === 401 || status === 429)).toBe(true);
    const [checked] = await sql<{ count: number }>(
      "SELECT count(*)::int AS count FROM audit_events WHERE action = 'sign_in_failed' AND target_id = $1 AND details->>'reason' = 'wrong_password'",
      ["target@example.test"],
    );
    expect(checked!.count).toBe(10);
    // The 100 attempts count against this client address (127.0.0.1) for a minute or two, which every
    // later sign-in of this file shares: forget them, or those would be refused as well.
    await sql("DELETE FROM rate_limit_counters");
  });
});

describe("sessions", () => {
  it("end everywhere at sign-out: a copy of the cookie taken before no longer works", async () => {
    await createUser("copied@example.test", "copied passphrase");
    const browser = new HttpSession(app.url);
    await browser.signIn("copied@example.test", "copied passphrase");
    const copy = browser.copy();
    expect((await copy.request("/api/v1/me")).status).toBe(200);
    await signOut(browser);
    expect((await copy.request("/api/v1/me")).status).toBe(401);
    expect(await copy.sessionUser()).toBeUndefined();
  });

  it("end when an admin changes the user's password or role", async () => {
    const userId = await createUser("changed@example.test", "changed passphrase");
    for (const change of [{ password: "a new passphrase" }, { role: "admin" }]) {
      const user = new HttpSession(app.url);
      const password = change.password ? "changed passphrase" : "a new passphrase";
      await user.signIn("changed@example.test", password);
      expect([change, (await user.request("/api/v1/me")).status]).toEqual([change, 200]);
      expect((await admin.request(`/api/v1/users/${userId}`, { method: "PATCH", json: change })).status).toBe(200);
      expect([change, (await user.request("/api/v1/me")).status]).toEqual([change, 401]);
    }
    // A new sign-in works, with the new password and role.
    const again = new HttpSession(app.url);
    await again.signIn("changed@example.test", "a new passphrase");
    expect(await (await again.request("/api/v1/me")).json()).toMatchObject({ role: "admin" });
  });
});

describe("writes with the session cookie", () => {
  it("are refused from another site (Origin or Sec-Fetch-Site), body-less POSTs included", async () => {
    const user = new HttpSession(app.url);
    await createUser("csrf@example.test", "csrf passphrase");
    await user.signIn("csrf@example.test", "csrf passphrase");
    const { items } = (await (await user.request("/api/v1/notifications")).json()) as { items: unknown[] };
    expect(items).toEqual([]);
    const someId = "00000000-0000-4000-8000-000000000000";
    const writes: [string, string, unknown?][] = [
      ["POST", `/api/v1/notifications/${someId}/read`],
      ["POST", `/api/v1/email-accounts/${someId}/sync`],
      ["POST", `/api/v1/email-accounts/${someId}/test`],
      ["DELETE", `/api/v1/email-accounts/${someId}`],
      ["POST", "/api/v1/email-accounts", { emailAddress: "x@example.test" }],
    ];
    for (const [method, path, json] of writes) {
      const foreign: Record<string, string>[] = [{ origin: "https://evil.example" }, { "sec-fetch-site": "cross-site" }, { "sec-fetch-site": "same-site" }, { origin: "null" }];
      for (const headers of foreign) {
        const response = await user.request(path, { method, headers, ...(json ? { json } : {}) });
        expect([method, path, headers, response.status]).toEqual([method, path, headers, 403]);
      }
      // From a page of this site the write gets through to its own checks (404 for the made-up id, 400 for the body).
      const own = await user.request(path, { method, headers: { "sec-fetch-site": "same-origin", origin: app.url }, ...(json ? { json } : {}) });
      expect([method, path, own.status]).not.toEqual([method, path, 403]);
    }
  });

  it("from a script (no Origin, no Sec-Fetch-Site) or with an API key stay as they were", async () => {
    const created = await admin.request("/api/v1/users", { method: "POST", json: { email: "script@example.test", password: "script passphrase", role: "user" } });
    expect(created.status).toBe(201);
  });
});

describe("request bodies with fields a route does not know", () => {
  // Every route that takes a body, found in app/: a new one is covered without editing this file.
  function routesWithBodies(): { method: string; path: string }[] {
    const found: { method: string; path: string }[] = [];
    const walk = (dir: string, segments: string[]) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (entry.isDirectory()) {
          walk(path.join(dir, entry.name), [...segments, entry.name.startsWith("[") ? randomUUID() : entry.name]);
        } else if (entry.name === "route.ts") {
          const source = readFileSync(path.join(dir, entry.name), "utf8");
          for (const match of source.matchAll(/export const (POST|PUT|PATCH|DELETE) = route\(\{([^}]*)\}/g)) {
            if (/\bbody\b/.test(match[2]!)) found.push({ method: match[1]!, path: `/${segments.join("/")}` });
          }
        }
      }
    };
    walk(path.resolve("app"), []);
    return found;
  }

  it("are refused with 400 validation_failed naming the field, on every route with a body", async () => {
    const routes = routesWithBodies();
    expect(routes.map((route) => `${route.method} ${route.path.replace(/[0-9a-f-]{36}/g, ":id")}`)).toEqual(
      expect.arrayContaining(["POST /api/v1/setup", "POST /api/v1/users", "PATCH /api/v1/users/:id", "POST /api/v1/email-accounts/:id/outbound"]),
    );
    for (const route of routes) {
      const response = await admin.request(route.path, { method: route.method, json: { zzzUnknownField: 1 } });
      const body = (await response.json()) as { error?: { code: string; message: string } };
      expect([route, response.status, body.error?.code]).toEqual([route, 400, "validation_failed"]);
      expect([route, body.error?.message]).toEqual([route, expect.stringContaining("unknown field: zzzUnknownField")]);
    }
  });

  it("are refused inside nested objects too, and nothing is stored", async () => {
    const accounts = (await (await admin.request("/api/v1/email-accounts")).json()) as { items: unknown[] };
    const response = await admin.request("/api/v1/email-accounts", {
      method: "POST",
      json: {
        emailAddress: "nested@example.test",
        authMethod: "password",
        password: "secret",
        imap: { host: "imap.example.test", port: 993, security: "tls", login: "nested@example.test", tlsRejectUnauthorized: false },
        smtp: { host: "smtp.example.test", port: 465, security: "tls", login: "nested@example.test" },
      },
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { issues: { path: string; message: string }[] } }).error.issues).toContainEqual({
      path: "imap",
      message: "unknown field: tlsRejectUnauthorized",
    });
    expect(((await (await admin.request("/api/v1/email-accounts")).json()) as { items: unknown[] }).items).toHaveLength(accounts.items.length);
  });
});
