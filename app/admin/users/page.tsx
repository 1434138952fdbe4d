import Link from "next/link";
import { db } from "#lib/db";
import { requirePageAdmin } from "#lib/auth/current-user";
import { listUsers } from "#lib/users/list-users";
import { CreateUserForm } from "#components/create-user-form";
import { UserActions } from "#components/user-actions";

export const metadata = { title: "Users · Connected Apps" };

export default async function UsersPage() {
  const admin = await requirePageAdmin();
  const users = await listUsers(db());
  return (
    <>
      <section className="card">
        <h1>Users</h1>
        <div className="table-wrap">
          <table className="stack">
            <thead>
              <tr>
                <th scope="col">User</th>
                <th scope="col">Role</th>
                <th scope="col">Status</th>
                <th scope="col">Their things</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {users.map((user) => (
                <tr key={user.id} data-testid="user-row">
                  <td data-label="User">
                    <div className="break-all">{user.email}</div>
                    <div className="muted text-sm">{user.name}</div>
                  </td>
                  <td data-label="Role">
                    <span className="badge">{user.role}</span>
                  </td>
                  <td data-label="Status">{user.enabled ? <span className="badge ok">enabled</span> : <span className="badge bad">disabled</span>}</td>
                  <td data-label="Their things" className="text-sm">
                    <Link href={`/admin/connections?user=${user.id}`} prefetch={false}>Connections</Link>
                    <br />
                    <Link href={`/email-accounts?owner=${user.id}`} prefetch={false}>Mail accounts</Link>
                    <br />
                    <Link href={`/api-keys?user=${user.id}`} prefetch={false}>API keys</Link>
                  </td>
                  <td>{user.id === admin.id ? <span className="muted text-sm">you</span> : <UserActions user={user} />}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      <section className="card">
        <h2>Add a user</h2>
        <CreateUserForm />
      </section>
    </>
  );
}
