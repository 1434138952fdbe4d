/** What went wrong with the last action of a form or button, announced to screen readers as it appears. */
export function ActionError({ message }: { message: string | null }) {
  if (!message) return null;
  return (
    <p className="error" role="alert">
      {message}
    </p>
  );
}
