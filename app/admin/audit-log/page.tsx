import { db } from "#lib/db";
import { requirePageAdmin } from "#lib/auth/current-user";
import { auditLogFilter, listAuditActions, listAuditEvents, type PublicAuditEvent } from "#lib/audit/list-audit-events";
import { parseFilters } from "#lib/validation";
import { AuditLogFilters } from "#components/audit-log-filters";
import { IgnoredFilters } from "#components/ignored-filters";
import { LocalTime } from "#components/local-time";
import { Pager } from "#components/pager";

export const metadata = { title: "Audit log · Connected Apps" };

/** Where a record of each kind is shown. */
const RECORD_PAGES: Record<string, (id: string) => string> = {
  connected_app: (id) => `/admin/connected-apps/${id}`,
  email_account: (id) => `/email-accounts/${id}`,
  user: () => "/admin/users",
};

/** Who did what to which record, when and from where: filtered and paged in the database. */
export default async function AuditLogPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await requirePageAdmin();
  const { filters, ignored } = parseFilters(auditLogFilter, await searchParams);
  const [page, actions, users] = await Promise.all([
    listAuditEvents(db(), filters),
    listAuditActions(db()),
    db().user.findMany({ select: { id: true, email: true }, orderBy: { email: "asc" } }),
  ]);
  const { cursor, ...kept } = filters;
  return (
    <section className="card">
      <h1>Audit log</h1>
      <IgnoredFilters names={ignored} />
      <AuditLogFilters actions={actions} users={users} current={kept} key={JSON.stringify(kept)} />
      {page.items.length === 0 ? (
        <p className="muted" data-testid="no-match">
          {Object.values(kept).some(Boolean) ? "No event matches these filters." : "Nothing recorded yet."}
        </p>
      ) : (
        <div className="table-wrap">
          <table className="stack">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">Action</th>
                <th scope="col">Record</th>
                <th scope="col">Details</th>
                <th scope="col">From</th>
              </tr>
            </thead>
            <tbody>
              {page.items.map((event) => (
                <tr key={event.id} data-testid="audit-row">
                  <td data-label="When">
                    <LocalTime iso={event.at} />
                  </td>
                  <td data-label="Who" className="break-all">
                    {event.actorEmail ?? (event.actorId ? "a deleted user" : "nobody signed in")}
                  </td>
                  <td data-label="Action">
                    <code>{event.action}</code>
                  </td>
                  <td data-label="Record" className="text-sm break-all">
                    <RecordCell event={event} />
                  </td>
                  <td data-label="Details" className="text-sm break-all">
                    <DetailsList details={event.details} />
                  </td>
                  <td data-label="From" className="text-sm">
                    {event.ip ?? "—"}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager path="/admin/audit-log" filters={kept} nextCursor={page.nextCursor} atStart={!cursor} />
    </section>
  );
}

function RecordCell({ event }: { event: PublicAuditEvent }) {
  if (!event.targetId) return <>—</>;
  const page = event.targetType ? RECORD_PAGES[event.targetType] : undefined;
  const only = `/admin/audit-log?${new URLSearchParams({ record: event.targetId })}`;
  return (
    <>
      <span className="muted">{event.targetType ?? "record"}</span> {page ? <a href={page(event.targetId)}>{event.targetId}</a> : event.targetId}{" "}
      <a href={only} className="whitespace-nowrap" aria-label={`Only events of ${event.targetId}`}>
        (its events)
      </a>
    </>
  );
}

function DetailsList({ details }: { details: Record<string, unknown> }) {
  const entries = Object.entries(details);
  if (entries.length === 0) return <>—</>;
  return (
    <ul className="m-0 list-none p-0">
      {entries.map(([key, value]) => (
        <li key={key}>
          <span className="muted">{key}:</span> {typeof value === "string" ? value : JSON.stringify(value)}
        </li>
      ))}
    </ul>
  );
}
