import Link from "next/link";

const TABS = [
  ["messages", "Messages"],
  ["sent", "Sent"],
  ["compose", "Write"],
  ["", "Settings"],
] as const;

/** The pages of one mail account, as tabs; the current one is marked for screen readers too. */
export function AccountTabs({ accountId, address, current }: { accountId: string; address: string; current: (typeof TABS)[number][0] }) {
  return (
    <nav aria-label={`Mail account ${address}`} className="mb-4 flex flex-wrap gap-1 border-b border-line">
      {TABS.map(([path, label]) => (
        <Link
          key={path}
          href={`/email-accounts/${accountId}${path ? `/${path}` : ""}`}
          aria-current={path === current ? "page" : undefined}
          className={`-mb-px rounded-t-md border px-2 py-2 no-underline sm:px-3 ${path === current ? "border-line border-b-white bg-white font-semibold" : "border-transparent"}`}
        >
          {label}
        </Link>
      ))}
    </nav>
  );
}
