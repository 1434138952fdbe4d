import Link from "next/link";
import type { ActionGroup } from "#lib/overview/needs-action";
import { LocalTime } from "./local-time";

/** What needs someone, group by group, each item leading to its record. */
export function NeedsActionList({ groups }: { groups: ActionGroup[] }) {
  if (groups.length === 0) {
    return (
      <p className="notice" data-testid="all-clear">
        Nothing needs action: every app, connection, mailbox and worker is fine.
      </p>
    );
  }
  return (
    <div className="space-y-4" data-testid="needs-action">
      {groups.map((group) => (
        <div key={group.kind} data-kind={group.kind}>
          <h3 className="m-0 text-base font-semibold">
            {group.heading} <span className="badge bad">{group.count}</span>
          </h3>
          <ul className="mt-1 list-none space-y-2 p-0">
            {group.items.map((item, index) => (
              <li key={`${item.href}-${index}`} className="border-l-4 border-bad/40 pl-3">
                <Link href={item.href} prefetch={false} className="font-semibold">
                  {item.title}
                </Link>
                <div className="text-sm break-words">{item.detail}</div>
                {item.at && (
                  <div className="muted text-sm">
                    <LocalTime iso={item.at} />
                  </div>
                )}
              </li>
            ))}
          </ul>
          {group.allHref && (
            <Link href={group.allHref} prefetch={false} className="text-sm">
              All {group.count}
            </Link>
          )}
        </div>
      ))}
    </div>
  );
}
