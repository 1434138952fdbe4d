import { db } from "#lib/db";
import { COMPLETE_APPS } from "#lib/connected-apps/app-completeness";
import { requirePageUser } from "#lib/auth/current-user";
import { emailAccountForPage } from "#lib/email-accounts/email-account-for-page";
import { toPublicEmailAccount } from "#lib/email-accounts/to-public-email-account";
import { AccountTabs } from "#components/account-tabs";
import { EmailAccountForm } from "#components/email-account-form";
import { SideStatus } from "#components/side-status";

export const metadata = { title: "Email account · Connected Apps" };

export default async function EmailAccountPage({ params }: { params: Promise<{ id: string }> }) {
  const user = await requirePageUser();
  const { id } = await params;
  const account = toPublicEmailAccount(await emailAccountForPage(db(), id, user));
  const apps = await db().connectedApp.findMany({ where: COMPLETE_APPS, select: { id: true, providerName: true }, orderBy: { providerName: "asc" } });
  return (
    <>
      <section className="card">
        <AccountTabs accountId={account.id} address={account.emailAddress} current="" />
        <h1>{account.emailAddress}</h1>
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
