/** Says which filters of an edited or stale link were not understood (and so not applied). */
export function IgnoredFilters({ names }: { names: string[] }) {
  if (names.length === 0) return null;
  return (
    <p className="banner warn" role="status" data-testid="ignored-filters">
      Not applied, because the link&apos;s value is not one this page knows: {names.join(", ")}.
    </p>
  );
}
