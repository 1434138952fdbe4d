import Link from "next/link";

export default function NotFound() {
  return (
    <section className="card narrow">
      <h1>404: not found</h1>
      <p>There is nothing at this address.</p>
      <Link href="/">Back to the dashboard</Link>
    </section>
  );
}
