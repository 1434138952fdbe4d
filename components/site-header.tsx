import Link from "next/link";
import type { SignedInUser } from "#lib/auth/sign-in";
import { SignOutButton } from "./sign-out-button";

/** Where a signed-in person can go; admins see the admin pages too. */
function links(user: SignedInUser): [string, string][] {
  return [
    ["/connections", "My connections"],
    ["/email-accounts", "Email accounts"],
    ["/api-keys", "API keys"],
    ...(user.role === "admin"
      ? ([
          ["/admin/connected-apps", "Connected Apps"],
          ["/admin/connections", "All connections"],
          ["/admin/users", "Users"],
          ["/admin/audit-log", "Audit log"],
        ] as [string, string][])
      : []),
  ];
}

/**
 * The top bar. On a wide screen the links sit in a row; on a phone they fold
 * into a Menu that opens below (a <details> element: no script, and keyboard
 * and screen readers know it).
 */
export function SiteHeader({ user }: { user: SignedInUser | null }) {
  const nav = user ? links(user) : [];
  return (
    <header className="flex flex-wrap items-center gap-x-4 gap-y-2 border-b border-line bg-white px-4 py-3 sm:px-6">
      <Link href="/" prefetch={false} className="mr-auto font-bold text-fg no-underline">
        Connected Apps
      </Link>
      {user && (
        <>
          <nav aria-label="Main" className="hidden items-center gap-4 lg:flex">
            {nav.map(([href, label]) => (
              <Link key={href} href={href} prefetch={false} className="no-underline">
                {label}
              </Link>
            ))}
          </nav>
          <span className="hidden text-muted sm:inline" data-testid="signed-in-as">
            {user.email}
          </span>
          <SignOutButton />
          <details className="w-full lg:hidden">
            <summary className="cursor-pointer font-semibold text-accent">Menu</summary>
            <nav aria-label="Main" className="mt-2 flex flex-col gap-2">
              {nav.map(([href, label]) => (
                <Link key={href} href={href} prefetch={false} className="no-underline">
                  {label}
                </Link>
              ))}
              <span className="text-muted sm:hidden">{user.email}</span>
            </nav>
          </details>
        </>
      )}
    </header>
  );
}
