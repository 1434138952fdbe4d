import { db } from "#lib/db";
import { COMPLETE_APPS } from "#lib/connected-apps/app-completeness";
import { requirePageUser } from "#lib/auth/current-user";
import { EmailAccountForm } from "#components/email-account-form";

export const metadata = { title: "New email account · Connected Apps" };

export default async function NewEmailAccountPage() {
  const user = await requirePageUser();
  const apps = await db().connectedApp.findMany({ where: COMPLETE_APPS, select: { id: true, providerName: true }, orderBy: { providerName: "asc" } });
  return (
    <section className="card">
      <h1>New email account</h1>
      <EmailAccountForm apps={apps} isAdmin={user.role === "admin"} />
    </section>
  );
}
