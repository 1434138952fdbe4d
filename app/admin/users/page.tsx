import { db } from "#lib/db";
import { requirePageAdmin } from "#lib/auth/current-user";
import { listUsers } from "#lib/users/list-users";
import { CreateUserForm } from "#components/create-user-form";
import { UserActions } from "#components/user-actions";

export default async function UsersPage() {
  const admin = await requirePageAdmin();
  const users = await listUsers(db());
  return (
    <>
      <section className="card">
        <h1>Users</h1>
        <table>
          <thead>
            <tr><th>Email</th><th>Name</th><th>Role</th><th>Status</th><th /></tr>
          </thead>
          <tbody>
            {users.map((user) => (
              <tr key={user.id} data-testid="user-row">
                <td>{user.email}</td>
                <td>{user.name}</td>
                <td><span className="badge">{user.role}</span></td>
                <td>{user.enabled ? <span className="badge ok">enabled</span> : <span className="badge bad">disabled</span>}</td>
                <td>{user.id !== admin.id && <UserActions user={user} />}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section className="card">
        <h2>Add a user</h2>
        <CreateUserForm />
      </section>
    </>
  );
}
