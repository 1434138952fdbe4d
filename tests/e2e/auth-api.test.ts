import pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import { startAppServer, type AppServer } from "#tests/support/app-server";
import { HttpSession } from "#tests/support/http-session";
import { runCli } from "#tests/support/cli";

let app: AppServer;
let admin: HttpSession;

beforeAll(async () => {
  app = await startAppServer();
  admin = new HttpSession(app.url);
});

describe("sign-in, roles and API keys over HTTP", () => {
  it("reports health with the database", async () => {
    const response = await fetch(`${app.url}/api/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok", db: "ok" });
  });

  it("validates the first-admin form and names each bad field", async () => {
    const response = await admin.request("/api/v1/setup", { method: "POST", json: { setupCode: await app.setupCode(), email: "nope", password: "short" } });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { code: string; issues: { path: string }[] } };
    expect(body.error.code).toBe("validation_failed");
    expect(body.error.issues.map((issue) => issue.path).sort()).toEqual(["email", "password"]);
  });

  it("refuses to create the first admin without the setup code the server printed", async () => {
    for (const json of [{ email: "eve@example.test", password: "eves passphrase" }, { email: "eve@example.test", password: "eves passphrase", setupCode: "AAAA-BBBB-CCCC" }]) {
      const response = await admin.request("/api/v1/setup", { method: "POST", json });
      expect([json, response.status]).toEqual([json, "setupCode" in json ? 403 : 400]);
    }
    const page = await (await fetch(`${app.url}/setup`)).text();
    expect(page).toContain("Create the first admin");
    expect(page).not.toContain(await app.setupCode());
  });

  it("creates the first admin once, then refuses with 409", async () => {
    const first = await admin.request("/api/v1/setup", {
      method: "POST",
      json: { email: "Ada@Example.test", name: "Ada", password: "a long passphrase", setupCode: await app.setupCode() },
    });
    expect(first.status).toBe(201);
    expect(await first.json()).toMatchObject({ email: "ada@example.test", role: "admin", enabled: true });
    const second = await admin.request("/api/v1/setup", {
      method: "POST",
      json: { email: "eve@example.test", password: "another passphrase", setupCode: await app.setupCode() },
    });
    expect(second.status).toBe(409);
    // Spent: nothing prints or accepts it any more.
    expect(runCli(["setup-code"], app.env).stdout).toContain("no setup code is needed");
    expect(((await second.json()) as { error: { code: string } }).error.code).toBe("setup_done");
  });

  it("signs in with the credentials provider and shows the user in the session", async () => {
    expect((await admin.signIn("ada@example.test", "a long passphrase")).status).toBe(200);
    const user = await admin.sessionUser();
    expect(user).toMatchObject({ email: "ada@example.test", name: "Ada", role: "admin" });
    expect(typeof user?.id).toBe("string");
    expect(JSON.stringify(user)).not.toContain("scrypt");
  });

  it("answers 401 without credentials and 403 for the wrong role", async () => {
    const anonymous = await fetch(`${app.url}/api/v1/users`);
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { error: { code: string } }).error.code).toBe("unauthorized");

    const created = await admin.request("/api/v1/users", {
      method: "POST",
      json: { email: "carol@example.test", name: "Carol", password: "carol's passphrase", role: "user" },
    });
    expect(created.status).toBe(201);
    const carol = new HttpSession(app.url);
    await carol.signIn("carol@example.test", "carol's passphrase");
    expect((await carol.sessionUser())?.role).toBe("user");
    const forbidden = await carol.request("/api/v1/users");
    expect(forbidden.status).toBe(403);
    expect(((await forbidden.json()) as { error: { code: string } }).error.code).toBe("forbidden");
  });

  it("applies a role change and a disabled account at once: the sessions issued before end", async () => {
    const { items } = (await (await admin.request("/api/v1/users")).json()) as { items: { id: string; email: string }[] };
    const carolId = items.find((user) => user.email === "carol@example.test")!.id;
    let carol = new HttpSession(app.url);
    await carol.signIn("carol@example.test", "carol's passphrase");
    expect((await carol.request("/api/v1/users")).status).toBe(403);

    // A role change ends the session issued under the old role; the next one has the new role.
    await admin.request(`/api/v1/users/${carolId}`, { method: "PATCH", json: { role: "admin" } });
    expect((await carol.request("/api/v1/users")).status).toBe(401);
    carol = new HttpSession(app.url);
    await carol.signIn("carol@example.test", "carol's passphrase");
    expect((await carol.request("/api/v1/users")).status).toBe(200);

    await admin.request(`/api/v1/users/${carolId}`, { method: "PATCH", json: { enabled: false } });
    expect((await carol.request("/api/v1/me")).status).toBe(401);
    expect(await carol.sessionUser()).toBeUndefined();
    const retry = await new HttpSession(app.url).signIn("carol@example.test", "carol's passphrase");
    expect(((await retry.json()) as { url: string }).url).toContain("error=CredentialsSignin");
  });

  it("refuses the 11th failed sign-in for an address within a minute with 429", async () => {
    const attacker = new HttpSession(app.url);
    for (let attempt = 0; attempt < 10; attempt++) {
      const response = await attacker.signIn("dave@example.test", `guess ${attempt}`);
      expect(response.status).toBe(401);
    }
    const locked = await attacker.signIn("dave@example.test", "guess 11");
    expect(locked.status).toBe(429);
    expect(((await locked.json()) as { error: { code: string } }).error.code).toBe("rate_limited");
  });

  it("creates an API key with the CLI that authenticates as its user", async () => {
    const created = runCli(["api-key", "create", "--email", "ada@example.test"], app.env);
    expect(created.stderr).toBe("");
    expect(created.status).toBe(0);
    const key = /cak_[A-Za-z0-9_-]+/.exec(created.stdout)?.[0];
    expect(key).toBeDefined();

    const me = await fetch(`${app.url}/api/v1/me`, { headers: { authorization: `Bearer ${key}` } });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ email: "ada@example.test", role: "admin" });

    const wrong = await fetch(`${app.url}/api/v1/me`, { headers: { authorization: `Bearer ${key}x` } });
    expect(wrong.status).toBe(401);
  });

  it("creates users with the CLI and rejects bad input with exit code 1 and a message", async () => {
    const ok = runCli(["user", "create", "--email", "erin@example.test", "--password", "erins passphrase", "--role", "user"], app.env);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain("Created user erin@example.test");
    const bad = runCli(["user", "create", "--email", "not-an-address", "--password", "x"], app.env);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain("email: must be an email address");
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  });

  it("makes API keys with an expiry over the API, lists them without the key, and revokes them at once", async () => {
    const created = await admin.request("/api/v1/api-keys", { method: "POST", json: { name: "reporting", expiresInDays: 30 } });
    expect(created.status).toBe(201);
    const key = (await created.json()) as { id: string; key: string; prefix: string; expiresAt: string; status: string };
    expect(key.key).toMatch(/^cak_/);
    expect(key.status).toBe("active");
    const days = (new Date(key.expiresAt).getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThanOrEqual(30);
    expect((await fetch(`${app.url}/api/v1/me`, { headers: { authorization: `Bearer ${key.key}` } })).status).toBe(200);

    const listed = (await (await admin.request("/api/v1/api-keys")).json()) as { items: Record<string, unknown>[] };
    const row = listed.items.find((item) => item.id === key.id)!;
    expect(row).toMatchObject({ name: "reporting", prefix: key.prefix, status: "active" });
    expect(JSON.stringify(listed)).not.toContain(key.key);

    expect((await admin.request(`/api/v1/api-keys/${key.id}`, { method: "DELETE" })).status).toBe(200);
    expect((await fetch(`${app.url}/api/v1/me`, { headers: { authorization: `Bearer ${key.key}` } })).status).toBe(401);

    const tooLong = await admin.request("/api/v1/api-keys", { method: "POST", json: { expiresInDays: 3650 } });
    expect(tooLong.status).toBe(400);
  });

  it("refuses an expired API key, and revokes a key from the CLI by its prefix", async () => {
    const created = runCli(["api-key", "create", "--email", "ada@example.test", "--expires-in-days", "1"], app.env);
    expect(created.status).toBe(0);
    const key = /cak_[A-Za-z0-9_-]+/.exec(created.stdout)![0];
    expect(created.stdout).toContain("It expires on");
    const authorized = { headers: { authorization: `Bearer ${key}` } };
    expect((await fetch(`${app.url}/api/v1/me`, authorized)).status).toBe(200);

    const client = new pg.Client({ connectionString: app.databaseUrl });
    await client.connect();
    try {
      await client.query("UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE prefix = $1", [key.slice(0, 12)]);
      expect((await fetch(`${app.url}/api/v1/me`, authorized)).status).toBe(401);
      await client.query("UPDATE api_keys SET expires_at = now() + interval '1 day' WHERE prefix = $1", [key.slice(0, 12)]);
    } finally {
      await client.end();
    }
    expect((await fetch(`${app.url}/api/v1/me`, authorized)).status).toBe(200);
    const revoked = runCli(["api-key", "revoke", "--prefix", key.slice(0, 12)], app.env);
    expect(revoked.status).toBe(0);
    expect((await fetch(`${app.url}/api/v1/me`, authorized)).status).toBe(401);
  });

  it("lets a user revoke only their own keys", async () => {
    const created = (await (await admin.request("/api/v1/api-keys", { method: "POST", json: { name: "admin's" } })).json()) as { id: string };
    const erin = new HttpSession(app.url);
    await erin.signIn("erin@example.test", "erins passphrase");
    expect((await erin.request(`/api/v1/api-keys/${created.id}`, { method: "DELETE" })).status).toBe(404);
    const own = (await (await erin.request("/api/v1/api-keys", { method: "POST", json: {} })).json()) as { id: string; expiresAt: string };
    expect((new Date(own.expiresAt).getTime() - Date.now()) / 86_400_000).toBeGreaterThan(89.9);
    expect(((await (await erin.request("/api/v1/api-keys")).json()) as { items: { id: string }[] }).items.map((item) => item.id)).toEqual([own.id]);
    expect((await erin.request(`/api/v1/api-keys/${own.id}`, { method: "DELETE" })).status).toBe(200);
  });
});
