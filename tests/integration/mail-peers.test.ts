import { readFile } from "node:fs/promises";
import { connect } from "node:net";
import path from "node:path";
import { ImapFlow } from "imapflow";
import { simpleParser } from "mailparser";
import nodemailer from "nodemailer";
import * as oidc from "openid-client";
import { beforeAll, describe, expect, it } from "vitest";
import { startDovecot, type TestDovecot } from "#tests/support/dovecot";
import { startTestProvider, type TestClient, type TestProvider } from "#tests/support/oidc-provider";
import { startSmtpServer, type TestSmtpServer } from "#tests/support/smtp-server";

// Proves the mail peers (Dovecot, the SMTP server) with the clients the mail
// worker uses (imapflow, nodemailer) and real tokens of the test provider.

const redirectUri = "http://127.0.0.1:9/api/oauth/callback/mail-peers";
const webClient: TestClient = { clientId: "mail-web", clientSecret: "mail-web-secret", redirectUris: [redirectUri] };
const daemon: TestClient = {
  clientId: "mail-daemon",
  clientSecret: "mail-daemon-secret",
  redirectUris: [],
  appOnlyMailbox: "shared@example.test",
};
const noMailbox: TestClient = { clientId: "mail-daemon-without-mailbox", clientSecret: "other-secret", redirectUris: [] };

const alice = "alice@example.test";
const bob = "bob@example.test";
const shared = "shared@example.test";

let provider: TestProvider;
let dovecot: TestDovecot;
let webConfig: oidc.Configuration;
let aliceToken: string;
let bobToken: string;

function discover(client: TestClient): Promise<oidc.Configuration> {
  return oidc.discovery(new URL(provider.issuer), client.clientId, undefined, oidc.ClientSecretBasic(client.clientSecret), {
    execute: [oidc.allowInsecureRequests],
  });
}

/** A user's access token through the code flow with PKCE, as "Connect to …" gets it. */
async function userToken(login: string): Promise<string> {
  const codeVerifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const url = oidc.buildAuthorizationUrl(webConfig, {
    redirect_uri: redirectUri,
    scope: "openid email offline_access",
    code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: "S256",
    state,
  });
  const callback = new URL(await provider.authorizeHeadless(url.href, { login }));
  const tokens = await oidc.authorizationCodeGrant(webConfig, callback, { pkceCodeVerifier: codeVerifier, expectedState: state });
  return tokens.access_token;
}

async function appOnlyToken(client: TestClient): Promise<string> {
  return (await oidc.clientCredentialsGrant(await discover(client), { scope: "mail" })).access_token;
}

function message(subject: string, to = alice, body = `Body of ${subject}`): string {
  return [
    `From: Sender <sender@example.net>`,
    `To: ${to}`,
    `Subject: ${subject}`,
    `Date: Wed, 25 Nov 2026 10:00:00 +0000`,
    `Message-ID: <${subject.replace(/\W+/g, "-")}-${Math.random().toString(36).slice(2)}@example.net>`,
    `MIME-Version: 1.0`,
    `Content-Type: text/plain; charset=utf-8`,
    ``,
    body,
    ``,
  ].join("\r\n");
}

/** imapflow with nothing on the console; errors it emits are kept for the test to look at. */
function imap(user: string, accessToken: string, options: { autoIdleDelay?: number } = {}) {
  const client = new ImapFlow({
    host: dovecot.host,
    port: dovecot.port,
    secure: false,
    auth: { user, accessToken },
    logger: false,
    ...options,
  });
  const errors: Error[] = [];
  // Without a listener an 'error' event would crash the test process.
  client.on("error", (error: Error) => errors.push(error));
  return { client, errors };
}

/** STATUS of a folder (imapflow answers `false` when the server refuses it). */
async function status(client: ImapFlow, folder: string) {
  const answer = await client.status(folder, { messages: true, unseen: true, uidNext: true, uidValidity: true });
  if (!answer) throw new Error(`STATUS ${folder} refused\n${await dovecot.log()}`);
  return answer;
}

/** nodemailer's getSocket: a connected socket without Nagle (nodemailer never sets TCP_NODELAY). */
function connectedNoDelaySocket(options: { host?: string; port?: number }, callback: (error: Error | null, socketOptions: unknown) => void): void {
  const socket = connect({ host: options.host, port: options.port ?? 0 }, () => {
    socket.off("error", callback);
    socket.setNoDelay(true);
    callback(null, { connection: socket });
  });
  socket.once("error", callback);
}

async function caught(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error("expected a failure");
}

beforeAll(async () => {
  provider = await startTestProvider();
  await provider.addClient(webClient);
  await provider.addClient(daemon);
  await provider.addClient(noMailbox);
  webConfig = await discover(webClient);
  aliceToken = await userToken(alice);
  bobToken = await userToken(bob);
  const { clientId, clientSecret, introspectionEndpoint } = provider.resourceServer;
  dovecot = await startDovecot({ introspectionUrl: introspectionEndpoint, clientId, clientSecret });
});

describe("Dovecot (IMAP, XOAUTH2 checked by introspection)", () => {
  it("runs from its own generated configuration on 127.0.0.1", async () => {
    expect(dovecot.host).toBe("127.0.0.1");
    const conf = await readFile(path.join(dovecot.dir, "dovecot.conf"), "utf8");
    const settings = conf.split("\n").filter((line) => !line.trimStart().startsWith("#"));
    expect(settings.join("\n")).not.toMatch(/\/etc\/dovecot|!include/);
    expect(conf).toMatch(/^auth_mechanisms = xoauth2$/m);
    expect(await dovecot.log()).toMatch(/starting up for imap/);
  });

  it("logs in with a user's access token over XOAUTH2, lists folders and fetches a delivered message", async () => {
    await dovecot.deliver(alice, message("Hello from the test"));
    const { client, errors } = imap(alice, aliceToken);
    await client.connect();
    try {
      expect(client.authenticated).toBe(true);
      expect(await dovecot.log()).toMatch(/Login: user=<alice@example\.test>, method=XOAUTH2/);

      const folders = await client.list();
      expect(folders.map((folder) => folder.path)).toEqual(expect.arrayContaining(["INBOX", "Sent", "Drafts", "Trash", "Junk"]));
      expect(folders.find((folder) => folder.path === "Sent")?.specialUse).toBe("\\Sent");

      const mailbox = await client.mailboxOpen("INBOX");
      expect(mailbox.exists).toBeGreaterThanOrEqual(1);
      const fetched = await client.fetchOne("*", { uid: true, envelope: true, source: true, flags: true });
      if (!fetched) throw new Error("no message fetched");
      expect(fetched.envelope?.subject).toBe("Hello from the test");
      expect(fetched.flags?.has("\\Seen")).toBe(false);
      const parsed = await simpleParser(fetched.source!);
      expect(parsed.text?.trim()).toBe("Body of Hello from the test");
    } finally {
      await client.logout();
    }
    expect(errors).toEqual([]);
  });

  it("tells an IDLE session about new mail within a couple of seconds", async () => {
    const { client } = imap(alice, aliceToken);
    await client.connect();
    try {
      const { exists } = await client.mailboxOpen("INBOX");
      // imapflow only starts IDLE by itself after 15 s of silence (autoIdleDelay): start it now.
      const idling = client.idle();
      const noticed = new Promise<{ count: number; prevCount: number }>((resolve) => client.once("exists", resolve));
      await new Promise((resolve) => setTimeout(resolve, 100));
      await dovecot.deliver(alice, message("Arrives during IDLE"));
      const event = await Promise.race([
        noticed,
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error("no EXISTS within 5 s")), 5000)),
      ]);
      expect(event).toMatchObject({ prevCount: exists, count: exists + 1 });
      const newest = await client.fetchOne("*", { envelope: true });
      expect(newest && newest.envelope?.subject).toBe("Arrives during IDLE");
      await idling;
    } finally {
      await client.logout();
    }
  });

  // What imapflow throws, for lib/mail's classification of IMAP failures.
  it("refuses a bad token with AUTHENTICATIONFAILED", async () => {
    const { client } = imap(alice, "not-a-token");
    const failure = await caught(client.connect());
    expect(failure).toBeInstanceOf(Error);
    expect(failure.constructor).toBe(Error);
    expect(failure.message).toBe("Command failed");
    expect(failure).toMatchObject({
      authenticationFailed: true,
      serverResponseCode: "AUTHENTICATIONFAILED",
      response: "2 NO [AUTHENTICATIONFAILED] Authentication failed.",
      responseStatus: "NO",
      responseText: "Authentication failed.",
      executedCommand: '2 AUTHENTICATE XOAUTH2 "(* value hidden *)"',
      // Dovecot's XOAUTH2 error challenge, decoded by imapflow.
      oauthError: { status: "401", schemes: "bearer", scope: expect.any(String) },
    });
    expect(failure.code).toBeUndefined();
    expect(client.usable).toBe(false);
    expect(await dovecot.log()).toMatch(/oauth2 failed: Introspection failed: Provided token is not valid/);
  });

  it("refuses a valid token for another mailbox, and a token whose grant was revoked", async () => {
    const other = await caught(imap(alice, bobToken).client.connect());
    expect(other).toMatchObject({ authenticationFailed: true, serverResponseCode: "AUTHENTICATIONFAILED" });
    expect(await dovecot.log()).toMatch(/Username 'alice@example\.test' did not match 'bob@example\.test'/);

    const carolToken = await userToken("carol@example.test");
    const { client } = imap("carol@example.test", carolToken);
    await client.connect();
    await client.logout();
    await provider.revokeGrantsOf("carol@example.test");
    // No auth cache: every login introspects again.
    const revoked = await caught(imap("carol@example.test", carolToken).client.connect());
    expect(revoked).toMatchObject({ authenticationFailed: true, serverResponseCode: "AUTHENTICATIONFAILED" });
  });

  it("opens the shared mailbox with a client-credentials token whose introspection names it", async () => {
    await dovecot.deliver(shared, message("For the shared mailbox", shared));
    const token = await appOnlyToken(daemon);
    const { client } = imap(shared, token);
    await client.connect();
    try {
      expect(client.authenticated).toBe(true);
      await client.mailboxOpen("INBOX");
      const subjects: string[] = [];
      for await (const fetched of client.fetch("1:*", { envelope: true })) subjects.push(fetched.envelope?.subject ?? "");
      expect(subjects).toEqual(["For the shared mailbox"]);
    } finally {
      await client.logout();
    }
    // The same token does not open another mailbox.
    expect(await caught(imap(alice, token).client.connect())).toMatchObject({ serverResponseCode: "AUTHENTICATIONFAILED" });
  });

  it("answers a client-credentials token without a mailbox with a temporary failure, not AUTHENTICATIONFAILED", async () => {
    const failure = await caught(imap(shared, await appOnlyToken(noMailbox)).client.connect());
    expect(failure).toMatchObject({
      message: "Command failed",
      // imapflow flags every tagged NO to AUTHENTICATE, temporary ones included: look at the code.
      authenticationFailed: true,
      serverResponseCode: "UNAVAILABLE",
      response: expect.stringMatching(/^2 NO \[UNAVAILABLE\] Temporary authentication failure\./),
    });
    expect(await dovecot.log()).toMatch(/Introspection failed: No username returned/);
  });

  it("creates folders (a / hierarchy, non-ASCII names) and delivers into them", async () => {
    await dovecot.createFolder(alice, "Archive/2026");
    await dovecot.createFolder(alice, "Éléments envoyés");
    await dovecot.deliver(alice, message("Filed away"), "Archive/2026");
    const { client } = imap(alice, aliceToken);
    await client.connect();
    try {
      const paths = (await client.list()).map((folder) => folder.path);
      expect(paths).toEqual(expect.arrayContaining(["Archive", "Archive/2026", "Éléments envoyés"]));
      expect(await status(client, "Archive/2026")).toMatchObject({ messages: 1, unseen: 1 });
      expect(await status(client, "Éléments envoyés")).toMatchObject({ messages: 0 });
    } finally {
      await client.logout();
    }
  });

  it("changes a folder's UIDVALIDITY on resetUidValidity and numbers its messages again", async () => {
    const mailbox = "reset@example.test";
    const token = await userToken(mailbox);
    await dovecot.deliverMany(mailbox, [message("one", mailbox), message("two", mailbox), message("three", mailbox)]);
    await dovecot.deliver(mailbox, message("archived", mailbox), "Archive");

    const first = imap(mailbox, token);
    await first.client.connect();
    // Expunge the first message so that the UIDs have a gap a renumbering closes.
    await first.client.mailboxOpen("INBOX");
    await first.client.messageDelete("1", { uid: true });
    const before = await status(first.client, "INBOX");
    const archiveBefore = await status(first.client, "Archive");
    expect(before).toMatchObject({ messages: 2, uidNext: 4 });
    const closed = new Promise<void>((resolve) => first.client.once("close", () => resolve()));

    await dovecot.resetUidValidity(mailbox);
    // The mailbox's sessions are disconnected first ("* BYE Server shutting down.").
    await Promise.race([closed, new Promise((_, reject) => setTimeout(() => reject(new Error("the session stayed open")), 5000))]);
    expect(first.client.usable).toBe(false);

    const second = imap(mailbox, token);
    await second.client.connect();
    try {
      const after = await second.client.mailboxOpen("INBOX");
      expect(after.uidValidity).not.toBe(before.uidValidity);
      expect(after.exists).toBe(2);
      const rows: [number, string][] = [];
      for await (const fetched of second.client.fetch("1:*", { uid: true, envelope: true })) rows.push([fetched.uid, fetched.envelope?.subject ?? ""]);
      expect(rows).toEqual([
        [1, "two"],
        [2, "three"],
      ]);
      // Other folders keep theirs.
      expect((await status(second.client, "Archive")).uidValidity).toBe(archiveBefore.uidValidity);

    } finally {
      await second.client.logout();
    }

    await dovecot.resetUidValidity(mailbox, "Archive");
    const third = imap(mailbox, token);
    await third.client.connect();
    try {
      const archive = await status(third.client, "Archive");
      expect(archive).toMatchObject({ messages: 1, uidNext: 2 });
      expect(archive.uidValidity).not.toBe(archiveBefore.uidValidity);
    } finally {
      await third.client.logout();
    }
  });

  it("delivers 1,000 messages in bulk and imapflow fetches them all in order", async () => {
    const mailbox = "bulk@example.test";
    const token = await userToken(mailbox);
    const raws = Array.from({ length: 1000 }, (_, index) => message(`bulk ${index}`, mailbox));

    await dovecot.deliverMany(mailbox, raws);

    const { client } = imap(mailbox, token);
    await client.connect();
    try {
      await client.mailboxOpen("INBOX");
      const subjects: string[] = [];
      for await (const fetched of client.fetch("1:*", { uid: true, envelope: true, source: true })) {
        subjects.push(fetched.envelope?.subject ?? "");
      }
      expect(subjects).toEqual(raws.map((_, index) => `bulk ${index}`));

      let count = 0;
      for await (const fetched of client.fetch("1:*", { uid: true, envelope: true, source: true })) count += fetched.uid > 0 ? 1 : 0;
      expect(count).toBe(1000);
    } finally {
      await client.logout();
    }
  });
});

describe("SMTP server (XOAUTH2 checked by introspection)", () => {
  let smtp: TestSmtpServer;

  beforeAll(async () => {
    smtp = await startSmtpServer({ introspect: (token) => provider.introspect(token) });
  });

  function transport(user: string, accessToken: string) {
    return nodemailer.createTransport({
      host: smtp.host,
      port: smtp.port,
      secure: false,
      ignoreTLS: true,
      auth: { type: "OAuth2", user, accessToken },
    });
  }

  const mail = (from: string, subject: string) => ({ from, to: [bob, "carol@example.net"], subject, text: `Text of ${subject}` });

  it("accepts a message from nodemailer with a user's token and records it", async () => {
    const before = { messages: smtp.messages.length, connections: smtp.connections };
    const info = await transport(alice, aliceToken).sendMail(mail(alice, "Sent over XOAUTH2"));
    expect(info.accepted).toEqual([bob, "carol@example.net"]);
    expect(info.response).toMatch(/^250 /);
    expect(smtp.connections).toBe(before.connections + 1);
    const recorded = smtp.messages[before.messages]!;
    expect(recorded.envelope).toEqual({ from: alice, to: [bob, "carol@example.net"] });
    expect(recorded.authUser).toBe(alice);
    const parsed = await simpleParser(recorded.raw);
    expect(parsed.subject).toBe("Sent over XOAUTH2");
    expect(parsed.messageId).toBe(info.messageId);
  });

  it("accepts the shared mailbox with a client-credentials token that names it", async () => {
    const token = await appOnlyToken(daemon);
    await transport(shared, token).sendMail(mail(shared, "From the service"));
    expect(smtp.messages.at(-1)).toMatchObject({ authUser: shared, envelope: { from: shared } });
  });

  // What nodemailer throws, for lib/mail's classification of SMTP failures.
  it("refuses a wrong token, or one for another mailbox, with EAUTH", async () => {
    const before = smtp.authFailures;
    const failure = await caught(transport(alice, "not-a-token").sendMail(mail(alice, "never")));
    expect(failure).toBeInstanceOf(Error);
    expect(failure.message).toBe("Invalid login: 535 5.7.3 Authentication unsuccessful");
    expect(failure).toMatchObject({
      code: "EAUTH",
      responseCode: 535,
      response: "535 5.7.3 Authentication unsuccessful",
      command: "AUTH XOAUTH2",
    });
    const other = await caught(transport(alice, bobToken).sendMail(mail(alice, "never")));
    expect(other).toMatchObject({ code: "EAUTH", responseCode: 535 });
    expect(smtp.authFailures).toBe(before + 2);
  });

  it("answers like Gmail when asked: a 334 error challenge, then 535", async () => {
    const gmail = await startSmtpServer({ introspect: (token) => provider.introspect(token), authFailureStyle: "gmail" });
    const failure = await caught(
      nodemailer
        .createTransport({ host: gmail.host, port: gmail.port, secure: false, ignoreTLS: true, auth: { type: "OAuth2", user: alice, accessToken: "x" } })
        .sendMail(mail(alice, "never")),
    );
    expect(failure.message).toBe("Invalid login: 535 Error: Username and Password not accepted");
    expect(failure).toMatchObject({ code: "EAUTH", responseCode: 535, command: "AUTH XOAUTH2" });
    // After the challenge nodemailer asks for a renewed token and tries once more: with a fixed
    // accessToken (we own refresh) it sends the same one again.
    expect(gmail.authFailures).toBe(2);
    expect(gmail.connections).toBe(1);
    await gmail.stop();
  });

  it("injects 4xx and 5xx answers at DATA, MAIL FROM and RCPT TO, then accepts again", async () => {
    const sender = transport(alice, aliceToken);
    const accepted = smtp.messages.length;

    smtp.failNext(1, { code: 554, message: "5.2.0 STOREDRV.Submission.Exception:SubmissionQuotaExceededException" });
    const quota = await caught(sender.sendMail(mail(alice, "over quota")));
    expect(quota.message).toBe("Message failed: 554 5.2.0 STOREDRV.Submission.Exception:SubmissionQuotaExceededException");
    expect(quota).toMatchObject({
      code: "EMESSAGE",
      responseCode: 554,
      command: "DATA",
      response: "554 5.2.0 STOREDRV.Submission.Exception:SubmissionQuotaExceededException",
    });

    smtp.failNext(2, { code: 451, message: "4.3.2 Try again later" });
    for (let attempt = 0; attempt < 2; attempt++) {
      expect(await caught(sender.sendMail(mail(alice, "later")))).toMatchObject({ code: "EMESSAGE", responseCode: 451, command: "DATA" });
    }

    smtp.failNext(1, { code: 550, message: "5.4.5 Daily user sending limit exceeded", stage: "mail" });
    expect(await caught(sender.sendMail(mail(alice, "limit")))).toMatchObject({
      code: "EENVELOPE",
      responseCode: 550,
      command: "MAIL FROM",
      response: "550 5.4.5 Daily user sending limit exceeded",
    });

    // One refused recipient of two: nodemailer sends to the other and lists the refusal.
    smtp.failNext(1, { code: 550, message: "5.1.1 User unknown", stage: "rcpt" });
    const partial = await sender.sendMail(mail(alice, "partly delivered"));
    expect(partial.accepted).toEqual(["carol@example.net"]);
    expect(partial.rejected).toEqual([bob]);
    expect((partial as unknown as { rejectedErrors: unknown[] }).rejectedErrors[0]).toMatchObject({
      code: "EENVELOPE",
      responseCode: 550,
      command: "RCPT TO",
      recipient: bob,
    });

    await sender.sendMail(mail(alice, "accepted again"));
    expect(smtp.messages.slice(accepted).map((recorded) => recorded.envelope.to)).toEqual([["carol@example.net"], [bob, "carol@example.net"]]);
  });

  // The send rates with and without TCP_NODELAY are figures of `npm run bench` (send), not of this test.
  it("records pooled sends over at most maxConnections connections, with and without the sender's TCP_NODELAY", async () => {
    const count = 200;
    for (const noDelay of [false, true]) {
      const before = { messages: smtp.messages.length, connections: smtp.connections };
      const pool = nodemailer.createTransport({
        host: smtp.host,
        port: smtp.port,
        secure: false,
        ignoreTLS: true,
        pool: true,
        maxConnections: 4,
        maxMessages: Infinity,
        auth: { type: "OAuth2", user: alice, accessToken: aliceToken },
        // nodemailer leaves Nagle on; the pool only uses a socket handed over as `connection` (connected).
        ...(noDelay ? { getSocket: connectedNoDelaySocket } : {}),
      });
      await Promise.all(Array.from({ length: count }, (_, index) => pool.sendMail(mail(alice, `pooled ${index}`))));
      pool.close();
      await smtp.waitForMessages(before.messages + count);
      expect(smtp.connections - before.connections).toBeLessThanOrEqual(4);
    }
  });

  it("delays its answer to DATA on request", async () => {
    smtp.setDelay(300);
    try {
      const started = performance.now();
      await transport(alice, aliceToken).sendMail(mail(alice, "slow"));
      expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    } finally {
      smtp.setDelay(0);
    }
  });
});
