import { db } from "#lib/db";
import { AppError } from "#lib/errors";
import { requirePageUser } from "#lib/auth/current-user";
import { getPendingIdentitySwitch } from "#lib/tokens/confirm-identity-switch";
import { IdentitySwitchButtons } from "#components/identity-switch-buttons";

export const metadata = { title: "Switch account? · Connected Apps" };

export default async function ConfirmIdentitySwitchPage({ params }: { params: Promise<{ requestId: string }> }) {
  const user = await requirePageUser();
  const { requestId } = await params;
  try {
    const pending = await getPendingIdentitySwitch(db(), requestId, user.id);
    return (
      <section className="card narrow">
        <h1>Another {pending.providerName} account?</h1>
        <p>
          This connection was made with <strong>{pending.previousEmail ?? pending.previousSubject}</strong>, but the consent just
          given is for <strong data-testid="new-account">{pending.newEmail ?? pending.newSubject}</strong>.
        </p>
        <p className="muted">Mail accounts that use this connection would then read and send as the new account.</p>
        <IdentitySwitchButtons requestId={requestId} />
      </section>
    );
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    return (
      <section className="card narrow">
        <h1>Nothing to confirm</h1>
        <p>{error.message}</p>
        <a href="/connections">My connections</a>
      </section>
    );
  }
}
