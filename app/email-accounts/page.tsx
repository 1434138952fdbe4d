import Link from "next/link";
import { db } from "#lib/db";
import { requirePageUser } from "#lib/auth/current-user";
import { listEmailAccounts } from "#lib/email-accounts/list-email-accounts";
import { SideStatus } from "#components/side-status";

export default async function EmailAccountsPage() {
  const user = await requirePageUser();
  const accounts = await listEmailAccounts(db(), user);
  return (
    <section className="card">
      <div className="row">
        <h1 style={{ flex: 1 }}>Email accounts</h1>
        <Link className="button" href="/email-accounts/new">New email account</Link>
      </div>
      {accounts.length === 0 ? (
        <p className="muted">No account yet. Connect your provider under My connections, then add the mailbox here.</p>
      ) : (
        <table>
          <thead>
            <tr><th>Address</th><th>Incoming</th><th>Outgoing</th><th>Last sync</th><th>Messages</th></tr>
          </thead>
          <tbody>
            {accounts.map((account) => (
              <tr key={account.id} data-testid="email-account-row">
                <td><Link href={`/email-accounts/${account.id}`}>{account.emailAddress}</Link></td>
                <td><SideStatus enabled={account.enableIncoming} status={account.incomingStatus} reason={account.incomingPausedReason} /></td>
                <td><SideStatus enabled={account.enableOutgoing} status={account.outgoingStatus} reason={account.outgoingPausedReason} /></td>
                <td>{account.lastSyncAt ? new Date(account.lastSyncAt).toLocaleString("en-GB") : "never"}</td>
                <td>{account.messagesSynced}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
