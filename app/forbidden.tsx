import Link from "next/link";

export default function Forbidden() {
  return (
    <section className="card narrow">
      <h1>403: not allowed</h1>
      <p>Your account does not have the role this page needs. Ask an admin if you think it should.</p>
      <Link href="/">Back to the dashboard</Link>
    </section>
  );
}
