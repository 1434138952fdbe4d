import { requirePageAdmin } from "#lib/auth/current-user";
import { NewConnectedAppForm } from "#components/new-connected-app-form";

export const metadata = { title: "New Connected App · Connected Apps" };

export default async function NewConnectedAppPage() {
  await requirePageAdmin();
  return (
    <section className="card narrow">
      <h1>New Connected App</h1>
      <NewConnectedAppForm />
    </section>
  );
}
