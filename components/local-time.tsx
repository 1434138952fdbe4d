"use client";

import { useEffect, useState } from "react";
import { COMPACT_FORMAT, LOCAL_FORMAT, relativeTime } from "./format-time";

/**
 * A moment in the viewer's own time zone, with how long ago or ahead it is.
 * The server renders it in UTC (it does not know the viewer's zone); the
 * browser then writes it in local time.
 */
export function LocalTime({ iso, fallback = "—", compact = false }: { iso: string | null; fallback?: string; compact?: boolean }) {
  const [local, setLocal] = useState<string | null>(null);
  const [full, setFull] = useState<string | null>(null);
  useEffect(() => {
    if (!iso) return;
    const date = new Date(iso);
    // dateStyle/timeStyle cannot be combined with timeZoneName (a RangeError): the parts are named one by one.
    const show = () => {
      const long = date.toLocaleString(undefined, LOCAL_FORMAT);
      setFull(long);
      setLocal(compact ? `${date.toLocaleString(undefined, COMPACT_FORMAT)} (${relativeTime(date)})` : `${long} (${relativeTime(date)})`);
    };
    show();
    const timer = setInterval(show, 30_000);
    return () => clearInterval(timer);
  }, [iso, compact]);
  if (!iso) return <>{fallback}</>;
  return (
    <time dateTime={iso} title={full ?? iso}>
      {local ?? `${iso.slice(0, 16).replace("T", " ")} UTC`}
    </time>
  );
}
