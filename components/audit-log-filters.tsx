"use client";

import { useRouter } from "next/navigation";
import { useEffect, useState, type FormEvent } from "react";

interface Filters {
  actor?: string;
  action?: string;
  record?: string;
  from?: string;
  to?: string;
}

/** An ISO instant as a datetime-local value in the viewer's zone, and back. */
function toLocalInput(iso: string | undefined): string {
  if (!iso) return "";
  const date = new Date(iso);
  return new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}
function fromLocalInput(value: string): string | undefined {
  return value ? new Date(value).toISOString() : undefined;
}

/**
 * The audit log's filters. Times are typed in the viewer's own zone and sent
 * as instants, so the server (which does not know that zone) filters exactly.
 */
export function AuditLogFilters({ actions, users, current }: { actions: string[]; users: { id: string; email: string }[]; current: Filters }) {
  const router = useRouter();
  const [fields, setFields] = useState({ actor: current.actor ?? "", action: current.action ?? "", record: current.record ?? "", from: "", to: "" });
  // The zone is the browser's: filled in after the first render, not on the server.
  useEffect(() => setFields((now) => ({ ...now, from: toLocalInput(current.from), to: toLocalInput(current.to) })), [current.from, current.to]);
  const set = (key: keyof typeof fields) => (event: { target: { value: string } }) => setFields((now) => ({ ...now, [key]: event.target.value }));

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const query = new URLSearchParams(
      Object.entries({ actor: fields.actor, action: fields.action, record: fields.record.trim(), from: fromLocalInput(fields.from), to: fromLocalInput(fields.to) }).filter(
        (entry): entry is [string, string] => Boolean(entry[1]),
      ),
    );
    router.push(query.size > 0 ? `/admin/audit-log?${query}` : "/admin/audit-log");
  }

  const filtered = Object.values(current).some(Boolean);
  return (
    <form onSubmit={submit} className="filters" aria-label="Filter the audit log">
      <div>
        <label htmlFor="actor">Who</label>
        <select id="actor" value={fields.actor} onChange={set("actor")}>
          <option value="">Anyone</option>
          <option value="none">Nobody signed in (failed sign-ins, the system)</option>
          {users.map((user) => (
            <option key={user.id} value={user.id}>
              {user.email}
            </option>
          ))}
        </select>
      </div>
      <div>
        <label htmlFor="action">Action</label>
        <select id="action" value={fields.action} onChange={set("action")}>
          <option value="">Any action</option>
          {actions.map((action) => (
            <option key={action} value={action}>
              {action}
            </option>
          ))}
        </select>
      </div>
      <div>
        <label htmlFor="record">Record (its id, or the address of a failed sign-in)</label>
        <input id="record" value={fields.record} onChange={set("record")} maxLength={320} />
      </div>
      <div>
        <label htmlFor="from">From</label>
        <input id="from" type="datetime-local" value={fields.from} onChange={set("from")} />
      </div>
      <div>
        <label htmlFor="to">Until</label>
        <input id="to" type="datetime-local" value={fields.to} onChange={set("to")} />
      </div>
      <div className="actions">
        <button type="submit">Filter</button>
        {filtered && <a href="/admin/audit-log">Clear filters</a>}
      </div>
    </form>
  );
}
