import { describe, expect, it } from "vitest";
import { EnvError, parseEnv } from "#lib/env";

describe("configuration", () => {
  it("works with nothing set: port 3000, APP_URL derived from it, data in ./.data", () => {
    const env = parseEnv({});
    expect(env.PORT).toBe(3000);
    expect(env.APP_URL).toBe("http://localhost:3000");
    expect(env.DATA_DIR).toBe("./.data");
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.TOKEN_REFRESH_MARGIN_SECONDS).toBe(300);
    expect(env.MAIL_MAX_MESSAGE_BYTES).toBe(26_214_400);
    expect(env.INSECURE_OAUTH_HOSTS).toEqual([]);
  });

  it("derives APP_URL from PORT and strips a trailing slash from a given one", () => {
    expect(parseEnv({ PORT: "8080" }).APP_URL).toBe("http://localhost:8080");
    expect(parseEnv({ APP_URL: "https://apps.example.com/" }).APP_URL).toBe("https://apps.example.com");
  });

  it("splits comma lists and treats empty strings as unset", () => {
    const env = parseEnv({ INSECURE_OAUTH_HOSTS: " 127.0.0.1, localhost ,", DATABASE_URL: "", NO_PROXY: "a.example" });
    expect(env.INSECURE_OAUTH_HOSTS).toEqual(["127.0.0.1", "localhost"]);
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.NO_PROXY).toEqual(["a.example"]);
  });

  it("names every bad variable in one error", () => {
    let error: unknown;
    try {
      parseEnv({ PORT: "seventy", DATABASE_URL: "mysql://x", NEXTAUTH_SECRET: "short", LOG_LEVEL: "loud" });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(EnvError);
    const problems = (error as EnvError).problems.join("\n");
    for (const name of ["PORT", "DATABASE_URL", "NEXTAUTH_SECRET", "LOG_LEVEL"]) expect(problems).toContain(name);
    expect((error as EnvError).message).not.toContain("short");
  });

  it("requires the three company sign-in settings together", () => {
    expect(() => parseEnv({ AUTH_OIDC_ISSUER: "https://idp.example.com" })).toThrow(/AUTH_OIDC_CLIENT_ID/);
    expect(
      parseEnv({ AUTH_OIDC_ISSUER: "https://idp.example.com", AUTH_OIDC_CLIENT_ID: "id", AUTH_OIDC_CLIENT_SECRET: "s" }).AUTH_OIDC_CLIENT_ID,
    ).toBe("id");
  });
});
