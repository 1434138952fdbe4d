/**
 * A field's error, under it: the input names it with
 * aria-describedby={fieldErrorId(name)} and aria-invalid, so a screen reader
 * reads it with the field.
 */
export function fieldErrorId(name: string): string {
  return `${name}-error`;
}

export function FieldError({ name, errors }: { name: string; errors: Record<string, string> }) {
  const message = errors[name];
  if (!message) return null;
  return (
    <p id={fieldErrorId(name)} className="error mt-1 text-sm" data-testid={`field-error-${name}`}>
      {message}
    </p>
  );
}

/** The props an input takes to point at its error, when it has one. */
export function describedBy(name: string, errors: Record<string, string>, hint?: string) {
  const ids = [hint, errors[name] ? fieldErrorId(name) : undefined].filter(Boolean).join(" ");
  return { "aria-invalid": errors[name] ? true : undefined, "aria-describedby": ids || undefined };
}
