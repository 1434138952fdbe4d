import type { HourOfMail } from "#lib/overview/mail-activity";

const HEIGHT = 120;
const BAR = 8;
const SLOT = 2 * BAR + 6;

/**
 * Mail of the last 24 hours as bars, an hour per pair (synced, sent). Hours
 * are labelled relative to now, which needs no time zone; the numbers are
 * also in a table for screen readers and for anyone who wants them exact.
 */
export function MailActivityChart({ hours }: { hours: HourOfMail[] }) {
  const synced = hours.reduce((sum, hour) => sum + hour.synced, 0);
  const sent = hours.reduce((sum, hour) => sum + hour.sent, 0);
  const top = Math.max(1, ...hours.map((hour) => Math.max(hour.synced, hour.sent)));
  const width = hours.length * SLOT;
  const bar = (value: number) => (value === 0 ? 0 : Math.max(2, Math.round((value / top) * HEIGHT)));
  return (
    <figure className="m-0" data-testid="mail-chart">
      <figcaption className="mb-2">
        <span className="mr-4">
          <span className="mr-1 inline-block size-3 rounded-sm bg-accent align-middle" aria-hidden="true" />
          <strong data-testid="synced-24h">{synced}</strong> synced
        </span>
        <span>
          <span className="mr-1 inline-block size-3 rounded-sm bg-ok align-middle" aria-hidden="true" />
          <strong data-testid="sent-24h">{sent}</strong> sent
        </span>
        <span className="muted"> in the last 24 hours (busiest hour: {top === 1 && synced + sent === 0 ? 0 : top})</span>
      </figcaption>
      <svg viewBox={`0 0 ${width} ${HEIGHT + 16}`} className="h-auto w-full" role="img" aria-label={`${synced} messages synced and ${sent} sent in the last 24 hours, by hour`}>
        <line x1={0} x2={width} y1={HEIGHT} y2={HEIGHT} className="stroke-line" />
        {hours.map((hour, index) => {
          const x = index * SLOT + 3;
          return (
            <g key={hour.hour}>
              <rect x={x} y={HEIGHT - bar(hour.synced)} width={BAR} height={bar(hour.synced)} className="fill-accent" />
              <rect x={x + BAR} y={HEIGHT - bar(hour.sent)} width={BAR} height={bar(hour.sent)} className="fill-ok" />
            </g>
          );
        })}
        <text x={0} y={HEIGHT + 13} className="fill-muted text-[10px]">
          24 h ago
        </text>
        <text x={width / 2} y={HEIGHT + 13} textAnchor="middle" className="fill-muted text-[10px]">
          12 h ago
        </text>
        <text x={width} y={HEIGHT + 13} textAnchor="end" className="fill-muted text-[10px]">
          this hour
        </text>
      </svg>
      <details className="mt-2 text-sm">
        <summary className="cursor-pointer">As a table</summary>
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Hour (UTC)</th>
                <th scope="col">Synced</th>
                <th scope="col">Sent</th>
              </tr>
            </thead>
            <tbody>
              {hours.map((hour) => (
                <tr key={hour.hour}>
                  <td>{hour.hour.slice(0, 16).replace("T", " ")}</td>
                  <td>{hour.synced}</td>
                  <td>{hour.sent}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}
