import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type * as oidc from "openid-client";
import { AppError } from "#lib/errors";
import { readDiscoveryDocument } from "#lib/connected-apps/discover-provider";
import { createConnectedAppInput } from "#lib/connected-apps/schemas";
import { createEmailAccountInput } from "#lib/email-accounts/schemas";
import { parseMessage } from "#lib/mail/parse-message";
import { senderAddress } from "#lib/messages/sender-address";
import { obtainedTokens } from "#lib/oauth/obtained-tokens";
import { classifySendError } from "#lib/outbound/classify-smtp-answer";
import { outboundInput } from "#lib/outbound/schemas";
import { createUserInput } from "#lib/users/schemas";
import { parseOrThrow } from "#lib/validation";

// Property-based tests of every parser of outside input: whatever comes in,
// the parser answers with a result that keeps its promises, or refuses with
// the app's own error. Never a TypeError, never a half-checked value.

/** Runs `fn`; an AppError of one of `codes` is a refusal, anything else thrown is a defect. */
function refusedOrDone<T>(fn: () => T, codes: string[]): T | null {
  try {
    return fn();
  } catch (error) {
    if (error instanceof AppError && codes.includes(error.code)) return null;
    throw error;
  }
}

const urlish = fc.oneof(
  fc.webUrl(),
  fc.constantFrom("javascript:alert(1)", "file:///etc/passwd", "data:text/html,x", "http://", "https://a b", "ftp://example.com/x", ""),
  fc.string(),
);

describe("discovery documents", () => {
  const configurationUrl = new URL("https://login.example.com/tenant/v2.0/.well-known/openid-configuration");
  const document = fc.record(
    {
      issuer: fc.oneof(fc.constant("https://login.example.com/tenant/v2.0"), fc.constant("https://login.example.com/{tenantid}/v2.0"), fc.string()),
      authorization_endpoint: urlish,
      token_endpoint: urlish,
      revocation_endpoint: urlish,
      userinfo_endpoint: urlish,
      introspection_endpoint: urlish,
      scopes_supported: fc.oneof(fc.array(fc.string()), fc.string(), fc.integer()),
      token_endpoint_auth_methods_supported: fc.oneof(fc.array(fc.string()), fc.constant(null)),
    },
    { requiredKeys: [] },
  );

  it("are read into http(s) endpoints and a matching issuer, or refused as provider_error", () => {
    fc.assert(
      fc.property(fc.oneof(document, fc.jsonValue()), (body) => {
        const read = refusedOrDone(() => readDiscoveryDocument(configurationUrl, body), ["provider_error"]);
        if (!read) return;
        for (const value of [read.authorizationUri, read.tokenUri, read.revocationUri, read.userinfoUri, read.introspectionUri]) {
          if (value !== null) expect(new URL(value).protocol).toMatch(/^https?:$/);
        }
        expect(read.issuer.replace(/\/+$/, "")).toMatch(/^https:\/\/login\.example\.com\/(tenant|\{tenantid\})\/v2\.0$/);
        expect(read.scopesSupported.every((scope) => typeof scope === "string")).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});

describe("token responses", () => {
  const response = fc.record({
    access_token: fc.string({ minLength: 1 }),
    token_type: fc.option(fc.constantFrom("bearer", "Bearer", "DPoP", "mac", ""), { nil: undefined }),
    expires_in: fc.option(fc.oneof(fc.integer({ min: -10_000, max: 10_000 }), fc.double(), fc.constant(1e308)), { nil: undefined }),
    scope: fc.option(fc.string(), { nil: undefined }),
    refresh_token: fc.option(fc.string(), { nil: undefined }),
  });

  it("are reduced to a token, a valid expiry or none, and scopes without blanks", () => {
    fc.assert(
      fc.property(response, fc.array(fc.string({ minLength: 1 }).filter((scope) => !/\s/.test(scope))), (raw, requested) => {
        // As openid-client hands it over: the body's fields and its helpers (no ID token here).
        const tokens = obtainedTokens({ ...raw, claims: () => undefined } as unknown as oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers, requested);
        expect(tokens.accessToken).toBe(raw.access_token);
        if (tokens.expiresAt !== null) expect(Number.isNaN(tokens.expiresAt.getTime())).toBe(false);
        for (const scope of tokens.scopes) expect(scope).toMatch(/^\S+$/);
        expect(tokens.tokenType.length).toBeGreaterThan(0);
      }),
      { numRuns: 1000 },
    );
  });
});

describe("API bodies", () => {
  const schemas = { createEmailAccountInput, outboundInput, createConnectedAppInput, createUserInput };
  for (const [name, schema] of Object.entries(schemas)) {
    it(`${name}: any JSON is parsed or refused with validation_failed and named issues`, () => {
      fc.assert(
        fc.property(fc.jsonValue(), (body) => {
          try {
            parseOrThrow(schema, body);
          } catch (error) {
            expect(error).toBeInstanceOf(AppError);
            expect((error as AppError).code).toBe("validation_failed");
            expect((error as AppError).issues?.length).toBeGreaterThan(0);
          }
        }),
        { numRuns: 300 },
      );
    });
  }

  it("outbound: an accepted message has no line break in its subject or sender, and only addresses as recipients", () => {
    const address = fc.oneof(fc.emailAddress(), fc.string());
    const body = fc.record(
      { to: fc.array(address, { maxLength: 3 }), cc: fc.array(address, { maxLength: 2 }), subject: fc.string(), text: fc.string(), from: fc.string() },
      { requiredKeys: ["to", "subject", "text"] },
    );
    fc.assert(
      fc.property(body, (input) => {
        const parsed = refusedOrDone(() => parseOrThrow(outboundInput, input), ["validation_failed"]);
        if (!parsed) return;
        expect(parsed.subject).not.toMatch(/[\r\n]/);
        if (parsed.from) expect(parsed.from).not.toMatch(/[\r\n]/);
        for (const recipient of [...parsed.to, ...(parsed.cc ?? [])]) expect(recipient).toMatch(/^[^\s<>,]+@[^\s<>,]+$/);
      }),
      { numRuns: 500 },
    );
  });
});

describe("MIME headers of received mail", () => {
  const headerValue = fc.oneof(
    fc.string(),
    fc.constantFrom('"IT <x@evil.example>" <it@corp.example>', "=?UTF-8?B?w6nDqQ==?= <a@b.example>", "undisclosed-recipients:;", "<>", "a@b, c@d", "=?x?Q?=ff?="),
  );
  const headers = fc.array(fc.tuple(fc.constantFrom("From", "To", "Cc", "Subject", "Message-ID", "In-Reply-To", "References", "Date", "Content-Type", "X-Other"), headerValue), { maxLength: 8 });

  it("are parsed into one-line fields and a reply address that is the sender's own, whatever they hold", async () => {
    await fc.assert(
      fc.asyncProperty(headers, fc.string(), async (lines, body) => {
        const raw = Buffer.from(`${lines.map(([name, value]) => `${name}: ${value.replace(/\r?\n/g, " ")}`).join("\r\n")}\r\n\r\n${body}`);
        const parsed = await parseMessage(raw, { maxBytes: 1_000_000 });
        for (const field of [parsed.subject, parsed.messageId, parsed.from]) if (field !== null) expect(field).not.toMatch(/[\r\n]/);
        const reply = senderAddress(parsed.from);
        // A reply goes to an address, and to the one the From names as its own (never one from its display name).
        expect(reply === "" || /^[^\s<>,;:"@]+@[^\s<>,;:"@]+$/.test(reply)).toBe(true);
        if (reply) expect(parsed.from === reply || parsed.from!.endsWith(`<${reply}>`)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe("SMTP answers", () => {
  it("are classified by their code: 4xx temporary or a quota, 5xx permanent unless a quota, never thrown", () => {
    fc.assert(
      fc.property(fc.integer({ min: 200, max: 599 }), fc.string(), fc.constantFrom("DATA", "RCPT TO", "MAIL FROM", "AUTH XOAUTH2"), (code, text, command) => {
        const verdict = classifySendError(Object.assign(new Error(text), { code: "EMESSAGE", responseCode: code, response: `${code} ${text}`, command }));
        expect(["temporary", "permanent", "auth", "network", "config", "quota"]).toContain(verdict.kind);
        if (code === 530 || code === 535) expect(verdict.kind).toBe("auth");
        else if (code >= 400 && code < 500) expect(["temporary", "quota"]).toContain(verdict.kind);
        else if (code >= 500 && !/quota|5\.4\.5|SubmissionQuotaExceeded|sending (limit|quota)|rate limit/i.test(text)) expect(verdict.kind).toBe("permanent");
      }),
      { numRuns: 2000 },
    );
  });
});
