"use client";

import { useEffect, useState } from "react";

/**
 * The body of the error pages: what happened, as far as the browser can
 * tell (the database down, or an error on our side), and the reference that
 * is also in the server's log line about it (instrumentation.ts), so whoever
 * runs the app can find the cause.
 */
export function WhatWentWrong({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  const [database, setDatabase] = useState<"checking" | "up" | "down">("checking");
  useEffect(() => {
    // The health check says whether the database answers; a page cannot tell from its error alone.
    fetch("/api/health", { cache: "no-store" })
      .then((response) => setDatabase(response.ok ? "up" : "down"))
      .catch(() => setDatabase("down"));
  }, []);
  return (
    <>
      <h1>Something went wrong</h1>
      {database === "down" ? (
        <p>The app cannot reach its database just now. Nothing you entered was lost on our side; try again once it is back (usually within moments).</p>
      ) : (
        <p>This page failed because of an error on our side, not anything you did. Trying again may work; if it keeps happening, tell whoever runs this app.</p>
      )}
      {error.digest && (
        <p>
          Reference for them: <code data-testid="error-reference">{error.digest}</code> (it is in the server&apos;s log).
        </p>
      )}
      <button type="button" onClick={() => reset()}>
        Try again
      </button>
    </>
  );
}
