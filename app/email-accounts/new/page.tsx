import { db } from "#lib/db";
import { requirePageUser } from "#lib/auth/current-user";
import { accountFormChoices } from "#lib/email-accounts/account-form-choices";
import { EmailAccountForm } from "#components/email-account-form";

export const metadata = { title: "New email account · Connected Apps" };

/** `?app=`: back from "Connect first", that connection is chosen. */
export default async function NewEmailAccountPage({ searchParams }: { searchParams: Promise<{ app?: string }> }) {
  const user = await requirePageUser();
  const { app } = await searchParams;
  const choices = await accountFormChoices(db(), user);
  return (
    <section className="card">
      <h1>New email account</h1>
      <p className="muted">Choose how the mailbox signs in: the address and the servers fill in from there.</p>
      <EmailAccountForm choices={choices} isAdmin={user.role === "admin"} preselectAppId={typeof app === "string" ? app : undefined} />
    </section>
  );
}
