import { redirect } from "next/navigation";
import { db } from "#lib/db";
import { env } from "#lib/env";
import { isSetupDone } from "#lib/users/create-first-admin";
import { optionalPageUser } from "#lib/auth/current-user";
import { LoginForm } from "#components/login-form";

const ERRORS: Record<string, string> = {
  AccessDenied: "Your company account has no user here, or it is disabled. Ask an admin.",
  CredentialsSignin: "Wrong email or password",
};

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ error?: string }> }) {
  if (!(await isSetupDone(db()))) redirect("/setup");
  if (await optionalPageUser()) redirect("/");
  const { error } = await searchParams;
  return (
    <section className="card narrow">
      <h1>Sign in</h1>
      <LoginForm
        initialError={error ? (ERRORS[error] ?? "Sign-in failed") : null}
        companySignIn={Boolean(env().AUTH_OIDC_ISSUER)}
      />
    </section>
  );
}
