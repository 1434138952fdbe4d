import { db } from "#lib/db";
import { requirePageUser } from "#lib/auth/current-user";
import { EmailAccountForm } from "#components/email-account-form";

export default async function NewEmailAccountPage() {
  const user = await requirePageUser();
  const apps = await db().connectedApp.findMany({ select: { id: true, providerName: true }, orderBy: { providerName: "asc" } });
  return (
    <section className="card">
      <h1>New email account</h1>
      <EmailAccountForm apps={apps} isAdmin={user.role === "admin"} />
    </section>
  );
}
