import { describe, expect, it } from "vitest";
import { z } from "zod";
import { AppError, errorBody, errorCatalogue } from "#lib/errors";
import { parseOrThrow } from "#lib/validation";

describe("error catalogue", () => {
  it("maps every code to a 4xx or 5xx status", () => {
    for (const [code, status] of Object.entries(errorCatalogue)) {
      expect(status, code).toBeGreaterThanOrEqual(400);
      expect(status, code).toBeLessThan(600);
      expect(code).toMatch(/^[a-z]+(_[a-z]+)*$/);
    }
    expect(new AppError("needs_reauth", "x").status).toBe(409);
    expect(new AppError("rate_limited", "x").status).toBe(429);
  });

  it("renders {error:{code,message}} and issues only when present", () => {
    expect(errorBody(new AppError("not_found", "No such user"))).toEqual({ error: { code: "not_found", message: "No such user" } });
    expect(errorBody(new AppError("validation_failed", "bad", [{ path: "imap.port", message: "too big" }]))).toEqual({
      error: { code: "validation_failed", message: "bad", issues: [{ path: "imap.port", message: "too big" }] },
    });
  });

  it("turns a zod failure into validation_failed with dotted paths", () => {
    const schema = z.object({ imap: z.object({ port: z.number().max(65535) }), email: z.email() });
    let error: unknown;
    try {
      parseOrThrow(schema, { imap: { port: 70000 }, email: "x" });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe("validation_failed");
    expect((error as AppError).issues?.map((issue) => issue.path)).toEqual(["imap.port", "email"]);
  });
});
