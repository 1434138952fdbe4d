import { redirect } from "next/navigation";
import { db } from "../lib/db";
import { isSetupDone } from "../lib/users/create-first-admin";
import { requirePageUser } from "../lib/auth/current-user";

export default async function DashboardPage() {
  if (!(await isSetupDone(db()))) redirect("/setup");
  const user = await requirePageUser();
  return (
    <section className="card">
      <h1>Dashboard</h1>
      <p>
        Signed in as <strong>{user.name}</strong> ({user.email}), role <span className="badge">{user.role}</span>.
      </p>
      <p className="muted">
        Connected Apps lets admins register OAuth 2.0 / OpenID Connect providers, users connect their accounts, and
        mail accounts read and send with the resulting tokens.
      </p>
    </section>
  );
}
