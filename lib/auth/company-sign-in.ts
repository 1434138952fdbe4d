import type { Db } from "#lib/db";
import { recordAuditEvent } from "#lib/audit/record-audit-event";
import type { VerifiedUser } from "./sign-in";

export interface CompanyIdentity {
  issuer: string;
  /** The IdP's stable id of the person (`sub`). */
  subject: string;
  email: string | null;
  /** The IdP's `email_verified`: only `true` counts. */
  emailVerified: unknown;
}

/**
 * Who a company sign-in (AUTH_OIDC_*) is, here. An IdP where people may set
 * their own address must not let anyone sign in as the admin by typing the
 * admin's address: the first sign-in of a user needs an email the IdP says
 * is verified, and binds the user to the IdP's subject; every later one
 * matches on that subject alone, whatever the address says then. Only
 * existing, enabled users get in (an admin decides who has an account).
 */
export async function matchCompanyUser(db: Db, identity: CompanyIdentity): Promise<VerifiedUser | null> {
  const bound = `${identity.issuer}#${identity.subject}`;
  let user = await db.user.findUnique({ where: { oidcSubject: bound } });
  if (!user) {
    const email = identity.email?.trim().toLowerCase();
    if (!email || identity.emailVerified !== true) return refuse(db, identity, "email_not_verified");
    const byEmail = await db.user.findUnique({ where: { email } });
    // A user already bound to another subject stays with it: the address alone never moves an account.
    if (!byEmail || byEmail.oidcSubject !== null) return refuse(db, identity, byEmail ? "bound_to_another_subject" : "no_such_user");
    const { count } = await db.user.updateMany({ where: { id: byEmail.id, oidcSubject: null }, data: { oidcSubject: bound } });
    if (count === 0) return refuse(db, identity, "bound_to_another_subject");
    user = { ...byEmail, oidcSubject: bound };
  }
  if (!user.enabled) return refuse(db, identity, "disabled");
  await recordAuditEvent(db, { actorId: user.id, action: "sign_in", targetType: "user", targetId: user.id, details: { method: "oidc" } });
  return { id: user.id, email: user.email, name: user.name, role: user.role, sessionVersion: user.sessionVersion };
}

async function refuse(db: Db, identity: CompanyIdentity, reason: string): Promise<null> {
  await recordAuditEvent(db, {
    action: "sign_in_failed",
    targetType: "email",
    targetId: identity.email?.trim().toLowerCase() ?? identity.subject,
    details: { method: "oidc", reason, subject: identity.subject },
  });
  return null;
}
