import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { launchBrowser } from "#tests/support/browser";
import { startAppServer, type AppServer } from "#tests/support/app-server";
import { startTestProvider, type TestProvider } from "#tests/support/oidc-provider";
import { registerCleanup } from "#tests/support/cleanup";
import { HttpSession } from "#tests/support/http-session";
import { DESKTOP, healthAtBothWidths as checkBothWidths, settle, watchedPage, type PageProblems } from "#tests/support/page-checks";

/**
 * The pages of the overview, each in Chromium against the production build:
 * its main task, then the checks every page owes (no sideways scrolling at
 * 390 px, no console error or failed request, no serious or critical axe-core
 * finding), at a phone's width and a laptop's.
 */

let app: AppServer;
let provider: TestProvider;
let database: pg.Client;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let page: Page;
let problems: PageProblems;
const people: Record<"ada" | "uma" | "vic", HttpSession> = {} as never;
const ids = { testIdp: "", contoso: "", uma: "", vic: "", umaAccount: "" };
const PASSWORD = "a long passphrase";

const HEALTHY = { overflow: 0, widest: [], violations: [], problems: [] };

beforeAll(async () => {
  provider = await startTestProvider();
  registerCleanup(() => provider.close());
  app = await startAppServer({ env: { INSECURE_OAUTH_HOSTS: "127.0.0.1" } });
  await app.createFirstAdmin("ada@example.test", PASSWORD);
  people.ada = new HttpSession(app.url);
  await people.ada.signIn("ada@example.test", PASSWORD);
  for (const name of ["uma", "vic"] as const) {
    const created = (await (await people.ada.request("/api/v1/users", { method: "POST", json: { email: `${name}@example.test`, password: PASSWORD, role: "user" } })).json()) as { id: string };
    ids[name] = created.id;
    people[name] = new HttpSession(app.url);
    await people[name].signIn(`${name}@example.test`, PASSWORD);
  }

  // A complete app both users connect to, and one still being set up.
  const testIdp = (await (
    await people.ada.request("/api/v1/connected-apps", {
      method: "POST",
      json: { providerName: "Test IdP", openidConfigurationUrl: provider.discoveryUrl, clientId: "pages-client", clientSecret: "pages-secret-value", scopes: ["openid", "email", "offline_access"] },
    })
  ).json()) as { id: string; redirectUri: string };
  ids.testIdp = testIdp.id;
  await provider.addClient({ clientId: "pages-client", clientSecret: "pages-secret-value", redirectUris: [testIdp.redirectUri] });
  ids.contoso = ((await (await people.ada.request("/api/v1/connected-apps", { method: "POST", json: { providerName: "Contoso mail", preset: "microsoft" } })).json()) as { id: string }).id;
  for (const name of ["uma", "vic"] as const) {
    const start = await people[name].request(`/api/v1/connected-apps/${ids.testIdp}/connect?successUri=/connections`);
    const callback = new URL(await provider.authorizeHeadless(start.headers.get("location")!, { login: `${name}@example.test` }));
    expect((await people[name].request(callback.pathname + callback.search)).status).toBe(302);
  }

  // States that take a provider or a mail server failing, written as the worker would leave them.
  database = new pg.Client({ connectionString: app.databaseUrl });
  await database.connect();
  await database.query(`UPDATE token_cache SET status = 'needs_reauth', last_error = 'The provider says: the grant was revoked (invalid_grant).' WHERE user_id = $1`, [ids.vic]);
  ids.umaAccount = randomUUID();
  await database.query(
    `INSERT INTO email_accounts (id, owner_id, email_address, auth_method, imap_host, imap_port, imap_security, imap_login, smtp_host, smtp_port, smtp_security, smtp_login,
                                 incoming_status, incoming_paused_reason, updated_at)
     VALUES ($1, $2, 'uma@example.test', 'password', 'imap.example.test', 993, 'tls', 'uma', 'smtp.example.test', 465, 'tls', 'uma',
             'paused', 'The server refused the password (AUTHENTICATIONFAILED).', now())`,
    [ids.umaAccount, ids.uma],
  );
  await database.query(
    `INSERT INTO outbound_messages (id, email_account_id, message_id, to_addresses, subject, status, last_error, updated_at)
     VALUES ($1, $2, '<failed@example.test>', '{sam@example.test}', 'Quarterly report', 'failed', '550 5.1.1 The address does not exist', now())`,
    [randomUUID(), ids.umaAccount],
  );
  // Seven messages synced over the last hours, two of them sent, for the chart.
  for (let hoursAgo = 0; hoursAgo < 7; hoursAgo++) {
    await database.query(
      `INSERT INTO inbound_messages (id, email_account_id, folder, uid_validity, uid, size, raw, created_at) VALUES ($1, $2, 'INBOX', 1, $3, 10, '\\x00', now() - make_interval(hours => $4))`,
      [randomUUID(), ids.umaAccount, hoursAgo + 1, hoursAgo],
    );
  }
  for (let index = 0; index < 2; index++) {
    await database.query(
      `INSERT INTO outbound_messages (id, email_account_id, message_id, to_addresses, subject, status, sent_at, updated_at) VALUES ($1, $2, $3, '{sam@example.test}', 'Sent', 'sent', now(), now())`,
      [randomUUID(), ids.umaAccount, `<sent-${index}@example.test>`],
    );
  }
  // A worker that reports (its liveness connection is this test's, open until the end), one that went silent five
  // minutes ago (stuck), and one killed a moment ago: fresh heartbeat, but its connection is closed.
  await database.query(
    `INSERT INTO mail_workers (id, hostname, pid, heartbeat_at, backend_pid, backend_started_at)
     VALUES ($1, 'mail-1', 4242, now(), pg_backend_pid(), (SELECT backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid())),
            ($2, 'mail-2', 4343, now() - interval '5 minutes', NULL, NULL),
            ($3, 'mail-3', 4444, now(), 1, now())`,
    [randomUUID(), randomUUID(), randomUUID()],
  );

  browser = await launchBrowser({ timezoneId: "Europe/Berlin" });
  registerCleanup(() => browser.close());
  ({ page, problems } = await watchedPage(browser.context));
});

afterAll(async () => {
  await database?.end();
});

/** The browser as this person: their session cookie, nothing else. */
async function actAs(person: HttpSession) {
  await browser.context.clearCookies();
  await browser.context.addCookies(
    person
      .cookieHeader()
      .split("; ")
      .map((pair) => ({ name: pair.slice(0, pair.indexOf("=")), value: pair.slice(pair.indexOf("=") + 1), url: app.url })),
  );
}

/** The checks of every page (tests/support/page-checks.ts) for one of this app's paths, at both widths. */
function healthAtBothWidths(path: string, screenshot?: string) {
  return checkBothWidths(page, problems, `${app.url}${path}`, screenshot);
}

async function open(path: string) {
  await page.setViewportSize(DESKTOP);
  await page.goto(`${app.url}${path}`);
  await settle(page);
}

const rows = (selector: string) => page.$$eval(selector, (elements) => elements.map((element) => (element as HTMLElement).innerText.replace(/\s+/g, " ").trim()));

describe("the dashboard", () => {
  it("shows an admin everything that needs them, each linked to its record, the day's mail and the workers", async () => {
    await actAs(people.ada);
    await open("/");
    const kinds = await page.$$eval("[data-testid=needs-action] [data-kind]", (groups) => groups.map((group) => group.getAttribute("data-kind")));
    expect(kinds).toEqual(["apps", "connections", "mail_accounts", "outbound", "workers"]);
    const text = await page.innerText("[data-testid=needs-action]");
    expect(text).toContain("Contoso mail is not set up yet");
    expect(text).toContain("It still needs a client id;");
    expect(text).toContain("vic@example.test · Test IdP");
    expect(text).toContain("the grant was revoked");
    expect(text).toContain("Receiving: The server refused the password (AUTHENTICATIONFAILED).");
    expect(text).toContain("“Quarterly report” to sam@example.test");
    expect(text).toContain("550 5.1.1 The address does not exist");
    expect(text).toContain("Mail worker mail-2 (pid 4343) is gone");
    expect(text).toContain("Mail worker mail-3 (pid 4444) is gone");
    expect(text).not.toContain("mail-1");
    expect(await page.innerText("[data-testid=synced-24h]")).toBe("7");
    expect(await page.innerText("[data-testid=sent-24h]")).toBe("2");
    expect(await rows("[data-testid=worker-row]")).toEqual([
      expect.stringMatching(/^mail-1 \(pid 4242\) alive 0 /),
      expect.stringMatching(/^mail-3 \(pid 4444\) gone 0 /),
      expect.stringMatching(/^mail-2 \(pid 4343\) gone 0 /),
    ]);

    // Each item leads to its record.
    await page.click("text=vic@example.test · Test IdP");
    await page.waitForURL(/\/admin\/connections\?status=needs_reauth/);
    expect(await rows("[data-testid=connection-row]")).toEqual([expect.stringContaining("vic@example.test")]);
    await open("/");
    await page.click("text=Contoso mail is not set up yet");
    await page.waitForURL(`${app.url}/admin/connected-apps/${ids.contoso}`);
  });

  it("shows a user only their own things", async () => {
    await actAs(people.uma);
    await open("/");
    const kinds = await page.$$eval("[data-testid=needs-action] [data-kind]", (groups) => groups.map((group) => group.getAttribute("data-kind")));
    expect(kinds).toEqual(["mail_accounts", "outbound"]);
    expect(await page.innerText("main")).not.toContain("vic@example.test");
    expect(await page.$("[data-testid=worker-row]")).toBeNull();
    expect(await page.innerText("[data-testid=synced-24h]")).toBe("7");
  });

  it("passes the checks of every page", async () => {
    await actAs(people.ada);
    expect(await healthAtBothWidths("/", "dashboard")).toEqual({ phone: HEALTHY, desktop: HEALTHY });
  });
});

describe("All connections (/admin/connections)", () => {
  it("filters by status, user and app, and disconnects a row after asking", async () => {
    await actAs(people.ada);
    await open("/admin/connections");
    expect(await rows("[data-testid=connection-row]")).toHaveLength(2);
    expect(await page.content()).not.toMatch(/access_token|refresh_token/i);

    await page.selectOption("#status", "needs_reauth");
    await page.click("button:text('Filter')");
    await page.waitForURL(/status=needs_reauth/);
    expect(await rows("[data-testid=connection-row]")).toEqual([expect.stringContaining("vic@example.test")]);

    await page.click("text=Clear filters");
    await page.waitForURL(`${app.url}/admin/connections`);
    await page.selectOption("#user", ids.uma);
    await page.selectOption("#app", ids.testIdp);
    await page.click("button:text('Filter')");
    await page.waitForURL(/user=/);
    expect(await rows("[data-testid=connection-row]")).toEqual([expect.stringContaining("uma@example.test")]);

    // Cancel leaves it; confirming disconnects it.
    await page.click("[data-testid=connection-row] button:text('Disconnect')");
    await page.click("[role=dialog] button:text('Cancel')");
    expect(await page.innerText("[data-testid=connection-row] [data-testid=connection-status]")).toBe("connected");
    await page.click("[data-testid=connection-row] button:text('Disconnect')");
    await page.click("[role=dialog] button:text('Disconnect')");
    await page.waitForSelector("[data-testid=connection-row] [data-testid=connection-status]:text('disconnected')");
    const { rows: stored } = await database.query(`SELECT status FROM token_cache WHERE user_id = $1`, [ids.uma]);
    expect(stored).toEqual([{ status: "disconnected" }]);
  });

  it("says which filter of an edited link it did not apply", async () => {
    await open("/admin/connections?status=everything&user=not-a-uuid");
    expect(await page.innerText("[data-testid=ignored-filters]")).toContain("user, status");
    expect(await rows("[data-testid=connection-row]")).toHaveLength(2);
  });

  it("is for admins only", async () => {
    await actAs(people.uma);
    const response = await page.goto(`${app.url}/admin/connections`);
    expect(response?.status()).toBe(403);
  });

  it("passes the checks of every page", async () => {
    await actAs(people.ada);
    expect(await healthAtBothWidths("/admin/connections", "all-connections")).toEqual({ phone: HEALTHY, desktop: HEALTHY });
  });
});

describe("the audit log (/admin/audit-log)", () => {
  beforeAll(async () => {
    // 60 events a minute apart, ending an hour ago: more than a page.
    for (let index = 0; index < 60; index++) {
      await database.query(
        `INSERT INTO audit_events (id, actor_id, action, target_type, target_id, details, ip, created_at)
         VALUES ($1, $2, 'test.ping', 'user', $3, $4, '192.0.2.7', now() - interval '1 hour' - make_interval(mins => $5))`,
        [randomUUID(), ids.vic, ids.vic, JSON.stringify({ index }), index],
      );
    }
  });

  it("filters by action and pages on the server, newest first, without gaps or repeats", async () => {
    await actAs(people.ada);
    await open("/admin/audit-log");
    await page.selectOption("#action", "test.ping");
    await page.click("button:text('Filter')");
    await page.waitForURL(/action=test.ping/);
    await settle(page);
    const first = await rows("[data-testid=audit-row]");
    expect(first).toHaveLength(50);
    await page.click("text=Next page");
    await page.waitForURL(/cursor=/);
    await settle(page);
    const second = await rows("[data-testid=audit-row]");
    expect(second).toHaveLength(10);
    const order = [...first, ...second].map((row) => Number(/index: (\d+)/.exec(row)?.[1]));
    expect(order).toEqual(Array.from({ length: 60 }, (_, index) => index));
    expect(await page.$("text=Next page")).toBeNull();
  });

  it("filters by who, by record and by a time window typed in the viewer's own zone", async () => {
    await open(`/admin/audit-log?record=${ids.testIdp}`);
    expect(await rows("[data-testid=audit-row]")).toEqual([expect.stringContaining("connected_app.create")]);

    // The ten newest pings were written between 60 and 69 minutes ago: a window typed in Berlin time finds exactly those.
    const { rows: bounds } = await database.query<{ from: string; to: string }>(
      `SELECT to_char((now() - interval '69 minutes 30 seconds') AT TIME ZONE 'Europe/Berlin', 'YYYY-MM-DD"T"HH24:MI:SS') AS from,
              to_char((now() - interval '59 minutes 30 seconds') AT TIME ZONE 'Europe/Berlin', 'YYYY-MM-DD"T"HH24:MI:SS') AS to`,
    );
    await open("/admin/audit-log");
    await page.selectOption("#actor", ids.vic);
    await page.fill("#from", bounds[0]!.from.slice(0, 16));
    await page.fill("#to", bounds[0]!.to.slice(0, 16));
    await page.click("button:text('Filter')");
    await page.waitForURL(/from=/);
    await settle(page);
    // Typed to the minute (the seconds fall away), the window holds pings 1 to 9 for sure, and 0 or 10 by the clock.
    const found = (await rows("[data-testid=audit-row]")).map((row) => Number(/index: (\d+)/.exec(row)?.[1]));
    expect(found).toEqual(expect.arrayContaining([1, 2, 3, 4, 5, 6, 7, 8, 9]));
    expect(found.every((index) => index >= 0 && index <= 10)).toBe(true);
    // The inputs show back what was typed, in the same zone.
    expect(await page.inputValue("#from")).toBe(bounds[0]!.from.slice(0, 16));
  });

  it("passes the checks of every page", async () => {
    expect(await healthAtBothWidths("/admin/audit-log", "audit-log")).toEqual({ phone: HEALTHY, desktop: HEALTHY });
  });
});

describe("API keys (/api-keys)", () => {
  it("lets a user make a key shown once, see it used, and revoke it", async () => {
    await actAs(people.uma);
    await open("/api-keys");
    await page.fill("#key-name", "billing service");
    await page.selectOption("#key-days", "30");
    await page.click("button:text('Create key')");
    const key = await page.inputValue("[data-testid=new-api-key-value]");
    expect(key).toMatch(/^cak_/);
    const used = await fetch(`${app.url}/api/v1/me`, { headers: { authorization: `Bearer ${key}` } });
    expect(used.status).toBe(200);

    // Shown once: not in the page again, only its first characters.
    await open("/api-keys");
    expect(await page.content()).not.toContain(key);
    const [row] = await rows("[data-testid=api-key-row]");
    expect(row).toContain("billing service");
    expect(row).toContain(`${key.slice(0, 12)}…`);
    expect(row).toContain("active");
    expect(await page.innerText("[data-testid=api-key-row] td[data-label='Last used']")).toMatch(/ago|now/);
    const { rows: stored } = await database.query<{ days: number }>(`SELECT round(extract(epoch FROM expires_at - created_at) / 86400) AS days FROM api_keys WHERE user_id = $1`, [ids.uma]);
    expect(stored.map((entry) => Number(entry.days))).toEqual([30]);

    await page.click("[data-testid=api-key-row] button:text('Revoke')");
    await page.click("[role=dialog] button:text('Revoke')");
    await page.waitForSelector("[data-testid=api-key-row] .badge:text('revoked')");
    expect((await fetch(`${app.url}/api/v1/me`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(401);
  });

  it("shows each user their own keys and admins everyone's, with the owner", async () => {
    await people.vic.request("/api/v1/api-keys", { method: "POST", json: { name: "vic's script" } });
    await open("/api-keys");
    expect((await rows("[data-testid=api-key-row]")).join("\n")).not.toContain("vic's script");
    await actAs(people.ada);
    await open("/api-keys");
    const all = await rows("[data-testid=api-key-row]");
    expect(all).toEqual(expect.arrayContaining([expect.stringContaining("vic@example.test"), expect.stringContaining("uma@example.test")]));
    await open(`/api-keys?user=${ids.vic}`);
    expect(await rows("[data-testid=api-key-row]")).toEqual([expect.stringContaining("vic's script")]);
  });

  it("passes the checks of every page", async () => {
    await actAs(people.uma);
    expect(await healthAtBothWidths("/api-keys", "api-keys")).toEqual({ phone: HEALTHY, desktop: HEALTHY });
  });
});

describe("Users (/admin/users)", () => {
  it("asks before disabling, sets a password, and links to the user's things", async () => {
    await actAs(people.ada);
    await open("/admin/users");
    const vicRow = "[data-testid=user-row]:has-text('vic@example.test')";
    await page.click(`${vicRow} button:text('Disable')`);
    expect(await page.innerText("[role=dialog]")).toContain("signed out everywhere");
    await page.click("[role=dialog] button:text('Cancel')");
    expect(await page.innerText(vicRow)).toContain("enabled");
    await page.click(`${vicRow} button:text('Disable')`);
    await page.click("[role=dialog] button:text('Disable')");
    await page.waitForSelector(`${vicRow} .badge:text('disabled')`);
    // Signed out at once, and not let in again.
    expect((await people.vic.request("/api/v1/me")).status).toBe(401);
    const vicAgain = new HttpSession(app.url);
    await vicAgain.signIn("vic@example.test", PASSWORD);
    expect(await vicAgain.sessionUser()).toBeUndefined();

    const umaRow = "[data-testid=user-row]:has-text('uma@example.test')";
    await page.fill(`${umaRow} input[type=password]`, "a brand new passphrase");
    await page.click(`${umaRow} button:text('Set password')`);
    await page.waitForSelector(`text=New password set for uma@example.test`);
    expect((await people.uma.request("/api/v1/me")).status).toBe(401);
    people.uma = new HttpSession(app.url);
    await people.uma.signIn("uma@example.test", "a brand new passphrase");
    expect(await people.uma.sessionUser()).toMatchObject({ email: "uma@example.test" });

    await page.click(`${umaRow} a:text('Connections')`);
    await page.waitForURL(new RegExp(`/admin/connections\\?user=${ids.uma}`));
    expect(await rows("[data-testid=connection-row]")).toEqual([expect.stringContaining("uma@example.test")]);
    await open("/admin/users");
    await page.click(`${umaRow} a:text('Mail accounts')`);
    await page.waitForURL(new RegExp(`/email-accounts\\?owner=${ids.uma}`));
    expect(await rows("[data-testid=email-account-row]")).toEqual([expect.stringContaining("uma@example.test")]);
  });

  it("passes the checks of every page", async () => {
    expect(await healthAtBothWidths("/admin/users", "users")).toEqual({ phone: HEALTHY, desktop: HEALTHY });
  });
});

describe("Connected App pages", () => {
  it("name a new app after its preset unless the admin typed one", async () => {
    await actAs(people.ada);
    await open("/admin/connected-apps/new");
    expect(await page.inputValue("#providerName")).toBe("Microsoft 365");
    await page.check("input[name=preset][value=google]");
    expect(await page.inputValue("#providerName")).toBe("Google");
    await page.fill("#providerName", "Acme Gmail");
    await page.check("input[name=preset][value=microsoft]");
    expect(await page.inputValue("#providerName")).toBe("Acme Gmail");
  });

  it("guide a Microsoft set-up with this app's own values, and show its id and a curl line", async () => {
    await open(`/admin/connected-apps/${ids.contoso}`);
    const guide = await page.innerText("[data-testid=setup-guide]");
    expect(guide).toContain("Web");
    expect(guide).toContain("Application (client) ID");
    expect(guide).toContain("Value");
    expect(await page.innerText("[data-testid='paste-Redirect URI']")).toBe(`${app.url}/api/oauth/callback/${ids.contoso}`);
    expect(await page.innerText("[data-testid=paste-scopes]")).toContain("https://outlook.office.com/IMAP.AccessAsUser.All");
    expect(await page.innerText("[data-testid=app-id]")).toBe(ids.contoso);
    expect(await page.innerText("[data-testid=token-curl]")).toBe(`curl -H "Authorization: Bearer $API_KEY" ${app.url}/api/v1/connected-apps/${ids.contoso}/token`);

    // Once it has a client id and a tenant, the PowerShell lines carry them.
    await people.ada.request(`/api/v1/connected-apps/${ids.contoso}`, { method: "PATCH", json: { clientId: "11111111-2222-3333-4444-555555555555", tenant: "contoso.example" } });
    await open(`/admin/connected-apps/${ids.contoso}`);
    await page.click("text=Shared mailboxes read and sent as the app");
    const powershell = await page.innerText("[data-testid=powershell]");
    expect(powershell).toContain("New-ServicePrincipal -AppId 11111111-2222-3333-4444-555555555555");
    expect(powershell).toContain("Connect-ExchangeOnline -Organization contoso.example");
    expect(powershell).toContain("Add-MailboxPermission");
  });

  it("pass the checks of every page", async () => {
    expect(await healthAtBothWidths("/admin/connected-apps")).toEqual({ phone: HEALTHY, desktop: HEALTHY });
    expect(await healthAtBothWidths("/admin/connected-apps/new", "new-connected-app")).toEqual({ phone: HEALTHY, desktop: HEALTHY });
    expect(await healthAtBothWidths(`/admin/connected-apps/${ids.contoso}`, "connected-app-microsoft")).toEqual({ phone: HEALTHY, desktop: HEALTHY });
    expect(await healthAtBothWidths(`/admin/connected-apps/${ids.testIdp}`)).toEqual({ phone: HEALTHY, desktop: HEALTHY });
  });

  it("delete an app after asking, and say so on the list", async () => {
    const created = await people.ada.request("/api/v1/connected-apps", { method: "POST", json: { preset: "generic", providerName: "Short-lived" } });
    const { id } = (await created.json()) as { id: string };
    await actAs(people.ada);
    await open(`/admin/connected-apps/${id}`);
    await page.click("button:text('Delete Short-lived')");
    await page.click("[role=dialog] button:text('Delete Short-lived')");
    await page.waitForURL(`${app.url}/admin/connected-apps?deleted=1`);
    expect(await page.innerText("[role=status]")).toBe("The app was deleted, with every connection to it.");
    expect(await page.innerText("main")).not.toContain("Short-lived");
    expect((await people.ada.request(`/api/v1/connected-apps/${id}`)).status).toBe(404);
  });
});

describe("My connections (/connections)", () => {
  it("passes the checks of every page", async () => {
    await actAs(people.uma);
    expect(await healthAtBothWidths("/connections", "my-connections")).toEqual({ phone: HEALTHY, desktop: HEALTHY });
  });
});
