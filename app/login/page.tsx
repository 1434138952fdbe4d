import { redirect } from "next/navigation";
import { db } from "#lib/db";
import { env } from "#lib/env";
import { isSetupDone } from "#lib/users/create-first-admin";
import { optionalPageUser } from "#lib/auth/current-user";
import { isLocalPath } from "#lib/validation";
import { LoginForm } from "#components/login-form";

export const metadata = { title: "Sign in · Connected Apps" };

const ERRORS: Record<string, string> = {
  AccessDenied: "Your company account has no user here, or it is disabled. Ask an admin.",
  CredentialsSignin: "Wrong email or password",
};

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ error?: string; next?: string | string[] }> }) {
  if (!(await isSetupDone(db()))) redirect("/setup");
  const { error, next } = await searchParams;
  // Where the visitor was going before they had to sign in: a path on this site only.
  const back = typeof next === "string" && isLocalPath(next) ? next : "/";
  if (await optionalPageUser()) redirect(back);
  return (
    <section className="card narrow">
      <h1>Sign in</h1>
      {back !== "/" && <p className="muted">Sign in to continue.</p>}
      <LoginForm
        next={back}
        initialError={error ? (ERRORS[error] ?? "Sign-in failed") : null}
        companySignIn={Boolean(env().AUTH_OIDC_ISSUER)}
      />
    </section>
  );
}
