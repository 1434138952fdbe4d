import type { ReactNode } from "react";
import "./globals.css";
import { optionalPageUser } from "#lib/auth/current-user";
import { SiteHeader } from "#components/site-header";

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
        <SiteHeader user={user} />
        <main className="mx-auto my-4 max-w-5xl px-3 sm:my-8 sm:px-6">{children}</main>
      </body>
    </html>
  );
}
