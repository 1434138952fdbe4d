import { redirect } from "next/navigation";
import { db } from "#lib/db";
import { isSetupDone } from "#lib/users/create-first-admin";
import { SetupForm } from "#components/setup-form";

export const metadata = { title: "Create the first admin · Connected Apps" };

export default async function SetupPage() {
  if (await isSetupDone(db())) redirect("/login");
  return (
    <section className="card narrow">
      <h1>Create the first admin</h1>
      <p className="muted">This install has no users yet. The account you create here manages everything else.</p>
      <p className="muted">
        You need the setup code that <code>npm start</code> printed in its terminal (<code>npm run cli -- setup-code</code> prints it
        again): only whoever started the app can create its first admin.
      </p>
      <SetupForm />
    </section>
  );
}
