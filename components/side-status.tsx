export function SideStatus({ enabled, status, reason }: { enabled: boolean; status: "active" | "syncing" | "paused"; reason: string | null }) {
  if (!enabled) return <span className="badge">off</span>;
  const tone = status === "paused" ? "bad" : "ok";
  return (
    <span className={`badge ${tone}`} title={reason ?? undefined} data-testid="side-status">
      {status}
      {status === "paused" && reason ? `: ${reason}` : ""}
    </span>
  );
}
