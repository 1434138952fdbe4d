const LABELS = {
  active: ["ok", "connected"],
  needs_reauth: ["bad", "needs reconnect"],
  disconnected: ["", "disconnected"],
} as const;

export function ConnectionStatusBadge({ status }: { status: keyof typeof LABELS }) {
  const [tone, label] = LABELS[status];
  return <span className={`badge ${tone}`} data-testid="connection-status">{label}</span>;
}
