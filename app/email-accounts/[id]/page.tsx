import { notFound } from "next/navigation";
import { db } from "#lib/db";
import { COMPLETE_APPS } from "#lib/connected-apps/app-completeness";
import { AppError } from "#lib/errors";
import { requirePageUser } from "#lib/auth/current-user";
import { getEmailAccountOrThrow } from "#lib/email-accounts/get-email-account-or-throw";
import { toPublicEmailAccount } from "#lib/email-accounts/to-public-email-account";
import { EmailAccountForm } from "#components/email-account-form";
import { SideStatus } from "#components/side-status";

export const metadata = { title: "Email account · Connected Apps" };

export default async function EmailAccountPage({ params }: { params: Promise<{ id: string }> }) {
  const user = await requirePageUser();
  const { id } = await params;
  if (!/^[0-9a-f-]{36}$/i.test(id)) notFound();
  let account;
  try {
    account = toPublicEmailAccount(await getEmailAccountOrThrow(db(), id, user));
  } catch (error) {
    if (error instanceof AppError && error.code === "not_found") notFound();
    throw error;
  }
  const apps = await db().connectedApp.findMany({ where: COMPLETE_APPS, select: { id: true, providerName: true }, orderBy: { providerName: "asc" } });
  return (
    <>
      <section className="card">
        <div className="row">
          <h1 style={{ flex: 1 }}>{account.emailAddress}</h1>
          <a className="button" href={`/email-accounts/${account.id}/messages`}>Messages</a>
          <a className="button" href={`/email-accounts/${account.id}/compose`}>Compose</a>
        </div>
        <dl>
          <dt>Incoming</dt>
          <dd><SideStatus enabled={account.enableIncoming} status={account.incomingStatus} reason={account.incomingPausedReason} /></dd>
          <dt>Outgoing</dt>
          <dd><SideStatus enabled={account.enableOutgoing} status={account.outgoingStatus} reason={account.outgoingPausedReason} /></dd>
          <dt>Last sync</dt>
          <dd>{account.lastSyncAt ? new Date(account.lastSyncAt).toLocaleString("en-GB") : "never"} · {account.messagesSynced} messages</dd>
          {account.lastError && (
            <>
              <dt>Last error</dt>
              <dd className="error">{account.lastError}</dd>
            </>
          )}
        </dl>
      </section>
      <section className="card">
        <h2>Settings</h2>
        <EmailAccountForm account={account} apps={apps} isAdmin={user.role === "admin"} />
      </section>
    </>
  );
}
