import { requirePageAdmin } from "#lib/auth/current-user";
import { ConnectedAppForm } from "#components/connected-app-form";

export default async function NewConnectedAppPage() {
  await requirePageAdmin();
  return (
    <section className="card">
      <h1>New Connected App</h1>
      <ConnectedAppForm />
    </section>
  );
}
