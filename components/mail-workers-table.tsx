import type { PublicMailWorker } from "#lib/mail/list-mail-workers";
import { LocalTime } from "./local-time";

/** The mail workers that reported in the last day, with their last heartbeat. */
export function MailWorkersTable({ workers }: { workers: PublicMailWorker[] }) {
  if (workers.length === 0) return <p className="muted">No mail worker has run in the last day. Start one with npm run worker (npm start runs one too).</p>;
  return (
    <div className="table-wrap">
      <table className="stack">
        <thead>
          <tr>
            <th scope="col">Worker</th>
            <th scope="col">State</th>
            <th scope="col">Mailboxes held</th>
            <th scope="col">Last heartbeat</th>
            <th scope="col">Started</th>
          </tr>
        </thead>
        <tbody>
          {workers.map((worker) => (
            <tr key={worker.id} data-testid="worker-row">
              <td data-label="Worker" className="break-all">
                {worker.hostname} <span className="muted">(pid {worker.pid})</span>
              </td>
              <td data-label="State">{worker.alive ? <span className="badge ok">alive</span> : <span className="badge bad">gone</span>}</td>
              <td data-label="Mailboxes held">{worker.accounts}</td>
              <td data-label="Last heartbeat">
                <LocalTime iso={worker.heartbeatAt} />
              </td>
              <td data-label="Started">
                <LocalTime iso={worker.startedAt} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
