import { redirect } from "next/navigation";
import { db } from "#lib/db";
import { isSetupDone } from "#lib/users/create-first-admin";
import { SetupForm } from "#components/setup-form";

export default async function SetupPage() {
  if (await isSetupDone(db())) redirect("/login");
  return (
    <section className="card narrow">
      <h1>Create the first admin</h1>
      <p className="muted">This install has no users yet. The account you create here manages everything else.</p>
      <SetupForm />
    </section>
  );
}
