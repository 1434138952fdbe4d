import type { ReactNode } from "react";
import Link from "next/link";
import "./globals.css";
import { optionalPageUser } from "#lib/auth/current-user";
import { SignOutButton } from "#components/sign-out-button";

// Every page reads the session and the database: nothing is prerendered.
export const dynamic = "force-dynamic";

export const metadata = {
  title: "Connected Apps",
  // public/icon.svg: without a declared icon, browsers ask for /favicon.ico on every page.
  icons: { icon: "/icon.svg" },
  // A self-hosted admin tool stays out of search engines (also public/robots.txt).
  robots: { index: false, follow: false },
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  const user = await optionalPageUser().catch(() => null);
  return (
    <html lang="en">
      <body>
        <header className="top">
          <Link href="/" className="brand">Connected Apps</Link>
          {user && <Link href="/connections">My connections</Link>}
          {user && <Link href="/email-accounts">Email accounts</Link>}
          {user && user.role === "admin" && <Link href="/admin/connected-apps">Connected Apps</Link>}
          {user && user.role === "admin" && <Link href="/admin/users">Users</Link>}
          {user && <span className="muted" data-testid="signed-in-as">{user.email}</span>}
          {user && <SignOutButton />}
        </header>
        <main>{children}</main>
      </body>
    </html>
  );
}
