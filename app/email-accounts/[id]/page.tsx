import { db } from "#lib/db";
import { requirePageUser } from "#lib/auth/current-user";
import { accountFormChoices } from "#lib/email-accounts/account-form-choices";
import { emailAccountForPage } from "#lib/email-accounts/email-account-for-page";
import { toPublicEmailAccount } from "#lib/email-accounts/to-public-email-account";
import { AccountTabs } from "#components/account-tabs";
import { EmailAccountActions } from "#components/email-account-actions";
import { EmailAccountForm } from "#components/email-account-form";
import { LocalTime } from "#components/local-time";
import { SideStatus } from "#components/side-status";
import { SyncNowButton } from "#components/sync-now-button";

export const metadata = { title: "Email account · Connected Apps" };

/** One account: its state, Sync now, Disable and Delete, and its settings. `?created=1` right after it was added. */
export default async function EmailAccountPage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<{ created?: string }> }) {
  const user = await requirePageUser();
  const { id } = await params;
  const { created } = await searchParams;
  const account = toPublicEmailAccount(await emailAccountForPage(db(), id, user));
  const choices = await accountFormChoices(db(), user);
  const enabled = account.enableIncoming || account.enableOutgoing;
  return (
    <>
      <section className="card">
        <AccountTabs accountId={account.id} address={account.emailAddress} current="" />
        {created === "1" && (
          <p className="banner ok" role="status">
            Account added. The worker signs in and starts syncing within seconds; messages appear under Messages.
          </p>
        )}
        <div className="row">
          <h1 className="mb-0 min-w-0 flex-1 break-words">{account.emailAddress}</h1>
          {account.enableIncoming && <SyncNowButton accountId={account.id} />}
        </div>
        <dl className="facts mt-3">
          <dt>Incoming</dt>
          <dd>
            <SideStatus enabled={account.enableIncoming} status={account.incomingStatus} reason={account.incomingPausedReason} />
          </dd>
          <dt>Outgoing</dt>
          <dd>
            <SideStatus enabled={account.enableOutgoing} status={account.outgoingStatus} reason={account.outgoingPausedReason} />
          </dd>
          <dt>Last sync</dt>
          <dd>
            <LocalTime iso={account.lastSyncAt} fallback="never" /> · {account.messagesSynced} messages
          </dd>
          {account.lastError && (
            <>
              <dt>Last error</dt>
              <dd className="error mt-0">{account.lastError}</dd>
            </>
          )}
        </dl>
        <EmailAccountActions id={account.id} address={account.emailAddress} enabled={enabled} />
      </section>
      <section className="card">
        <h2>Settings</h2>
        <EmailAccountForm account={account} choices={choices} isAdmin={user.role === "admin"} />
      </section>
    </>
  );
}
