"use client";

import { WhatWentWrong } from "#components/what-went-wrong";

// The root layout itself failed (it reads the session): a page of its own, without the app's styles.
export default function GlobalError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <html lang="en">
      <head>
        <title>Something went wrong · Connected Apps</title>
      </head>
      <body style={{ fontFamily: "system-ui, sans-serif", padding: "1rem", maxWidth: "40rem" }}>
        <WhatWentWrong error={error} reset={reset} />
      </body>
    </html>
  );
}
