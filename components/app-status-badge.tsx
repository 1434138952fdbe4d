const LABELS = {
  ok: ["ok", "ready"],
  incomplete: ["warn", "incomplete"],
  misconfigured: ["bad", "misconfigured"],
} as const;

/** A Connected App's status in a word. */
export function AppStatusBadge({ status }: { status: keyof typeof LABELS }) {
  const [tone, label] = LABELS[status];
  return (
    <span className={`badge ${tone}`} data-testid="app-status">
      {label}
    </span>
  );
}
