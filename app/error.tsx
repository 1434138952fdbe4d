"use client";

// Shown when a page fails, e.g. while the database is down: the server keeps
// running and the page works again once the database is back.
export default function ErrorPage({ reset }: { error: Error; reset: () => void }) {
  return (
    <section className="card narrow">
      <h1>Something went wrong</h1>
      <p>The page could not be loaded. If the database is restarting, this clears up within moments.</p>
      <button type="button" onClick={() => reset()}>Try again</button>
    </section>
  );
}
