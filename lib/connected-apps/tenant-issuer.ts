/**
 * Microsoft's multi-tenant authorities (common, organizations) publish the
 * issuer `https://login.microsoftonline.com/{tenantid}/v2.0`: each ID token's
 * `iss` names the user's own tenant, and its `tid` claim repeats it.
 */
export const TENANT_PLACEHOLDER = "{tenantid}";

const TENANT = "[A-Za-z0-9.-]{1,100}";

export function hasTenantPlaceholder(issuer: string | null): boolean {
  return issuer?.includes(TENANT_PLACEHOLDER) ?? false;
}

export function isTenantId(value: unknown): value is string {
  return typeof value === "string" && new RegExp(`^${TENANT}$`).test(value);
}

/** The tenant that fills `template`'s `{tenantid}` to give `issuer`, or null when no tenant does. */
export function tenantInIssuer(template: string, issuer: string): string | null {
  const [first, ...rest] = template.split(TENANT_PLACEHOLDER).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  if (rest.length === 0) return null;
  const pattern = `^${first}(${TENANT})${rest.join("\\1")}$`;
  return new RegExp(pattern).exec(issuer)?.[1] ?? null;
}
