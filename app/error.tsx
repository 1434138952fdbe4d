"use client";

import { WhatWentWrong } from "#components/what-went-wrong";

// A page failed (the database down, a bug): the server keeps running and the page works again once the cause is gone.
export default function ErrorPage({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <section className="card narrow">
      <WhatWentWrong error={error} reset={reset} />
    </section>
  );
}
