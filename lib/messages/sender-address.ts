/**
 * The address of a stored From (or To, Cc) entry, as lib/mail/parse-message.ts
 * formats it: `Name <address>`, the name quoted when it holds `<`, `>`, `@`
 * and the like, or the bare address. The address is the bracketed part at
 * the end: a display name such as "IT <x@evil.example>" may hold brackets
 * of its own, and the first pair would be the attacker's.
 */
export function senderAddress(formatted: string | null): string {
  if (!formatted) return "";
  const address = /<([^<>\s]+)>\s*$/.exec(formatted)?.[1] ?? formatted.trim();
  // Whatever else a header held (a bare name, "<>", stray brackets) is no address to reply to.
  return /^[^\s<>,;:"@]+@[^\s<>,;:"@]+$/.test(address) ? address : "";
}
