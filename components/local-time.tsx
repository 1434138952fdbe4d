"use client";

import { useEffect, useState } from "react";
import { LOCAL_FORMAT, relativeTime } from "./format-time";

/**
 * A moment in the viewer's own time zone, with how long ago or ahead it is.
 * The server renders it in UTC (it does not know the viewer's zone); the
 * browser then writes it in local time.
 */
export function LocalTime({ iso, fallback = "—" }: { iso: string | null; fallback?: string }) {
  const [local, setLocal] = useState<string | null>(null);
  useEffect(() => {
    if (!iso) return;
    const date = new Date(iso);
    // dateStyle/timeStyle cannot be combined with timeZoneName (a RangeError): the parts are named one by one.
    const show = () => setLocal(`${date.toLocaleString(undefined, LOCAL_FORMAT)} (${relativeTime(date)})`);
    show();
    const timer = setInterval(show, 30_000);
    return () => clearInterval(timer);
  }, [iso]);
  if (!iso) return <>{fallback}</>;
  return (
    <time dateTime={iso} title={iso}>
      {local ?? `${iso.slice(0, 16).replace("T", " ")} UTC`}
    </time>
  );
}
