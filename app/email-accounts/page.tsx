import Link from "next/link";
import { z } from "zod";
import { db } from "#lib/db";
import { requirePageUser } from "#lib/auth/current-user";
import { listEmailAccounts } from "#lib/email-accounts/list-email-accounts";
import { parseFilters } from "#lib/validation";
import { IgnoredFilters } from "#components/ignored-filters";
import { LocalTime } from "#components/local-time";
import { SideStatus } from "#components/side-status";

export const metadata = { title: "Email accounts · Connected Apps" };

const filterSchema = z.object({ owner: z.uuid(), deleted: z.literal("1") });

export default async function EmailAccountsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requirePageUser();
  const { filters, ignored } = parseFilters(filterSchema, await searchParams);
  const admin = user.role === "admin";
  const accounts = await listEmailAccounts(db(), user, { ownerId: filters.owner });
  const owners = admin ? new Map((await db().user.findMany({ where: { id: { in: [...new Set(accounts.map((account) => account.ownerId))] } }, select: { id: true, email: true } })).map((owner) => [owner.id, owner.email])) : null;
  const ownerEmail = filters.owner ? owners?.get(filters.owner) : undefined;
  return (
    <section className="card">
      <div className="row">
        <h1 className="mb-0 flex-1">Email accounts{ownerEmail ? ` of ${ownerEmail}` : ""}</h1>
        <Link className="button" href="/email-accounts/new">
          New email account
        </Link>
      </div>
      <IgnoredFilters names={ignored.filter((name) => name !== "deleted")} />
      {filters.deleted && (
        <p className="banner ok" role="status">
          The account was deleted here, with its stored messages. The mailbox itself is untouched.
        </p>
      )}
      {filters.owner && admin && (
        <p>
          <Link href="/email-accounts">Show everyone&apos;s</Link>
        </p>
      )}
      {accounts.length === 0 ? (
        <p className="muted">No account yet. Connect your provider under My connections, then add the mailbox here.</p>
      ) : (
        <div className="table-wrap">
          <table className="stack">
            <thead>
              <tr>
                <th scope="col">Address</th>
                {owners && <th scope="col">Owner</th>}
                <th scope="col">Incoming</th>
                <th scope="col">Outgoing</th>
                <th scope="col">Last sync</th>
                <th scope="col">Messages</th>
              </tr>
            </thead>
            <tbody>
              {accounts.map((account) => (
                <tr key={account.id} data-testid="email-account-row">
                  <td data-label="Address" className="break-all">
                    <Link href={`/email-accounts/${account.id}`}>{account.emailAddress}</Link>
                  </td>
                  {owners && <td data-label="Owner">{owners.get(account.ownerId) ?? "—"}</td>}
                  <td data-label="Incoming">
                    <SideStatus enabled={account.enableIncoming} status={account.incomingStatus} reason={account.incomingPausedReason} />
                  </td>
                  <td data-label="Outgoing">
                    <SideStatus enabled={account.enableOutgoing} status={account.outgoingStatus} reason={account.outgoingPausedReason} />
                  </td>
                  <td data-label="Last sync">
                    <LocalTime iso={account.lastSyncAt} fallback="never" />
                  </td>
                  <td data-label="Messages">{account.messagesSynced}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
