import { describe, expect, it } from "vitest";
import { hasTenantPlaceholder, tenantInIssuer } from "#lib/connected-apps/tenant-issuer";

const template = "https://login.microsoftonline.com/{tenantid}/v2.0";

describe("tenantInIssuer", () => {
  it("reads the tenant that fills {tenantid}", () => {
    expect(tenantInIssuer(template, "https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0")).toBe(
      "9188040d-6c67-4c5b-b112-36a304b66dad",
    );
    expect(tenantInIssuer(template, "https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0")).toBe("contoso.onmicrosoft.com");
  });

  it("finds none for another host, another shape, or more than one segment", () => {
    expect(tenantInIssuer(template, "https://login.example.com/abc/v2.0")).toBeNull();
    expect(tenantInIssuer(template, "https://login.microsoftonline.com/abc/v2.0/extra")).toBeNull();
    expect(tenantInIssuer(template, "https://login.microsoftonline.com/a/b/v2.0")).toBeNull();
    expect(tenantInIssuer(template, "https://login.microsoftonline.com//v2.0")).toBeNull();
    // The template's dots are literal.
    expect(tenantInIssuer(template, "https://loginXmicrosoftonline.com/abc/v2.0")).toBeNull();
  });

  it("needs a placeholder", () => {
    expect(hasTenantPlaceholder(template)).toBe(true);
    expect(hasTenantPlaceholder("https://login.microsoftonline.com/abc/v2.0")).toBe(false);
    expect(hasTenantPlaceholder(null)).toBe(false);
    expect(tenantInIssuer("https://login.microsoftonline.com/abc/v2.0", "https://login.microsoftonline.com/abc/v2.0")).toBeNull();
  });
});
