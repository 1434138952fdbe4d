import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

export interface DebianPackage {
  /** The Debian package that provides `file`. */
  pkg: string;
  file: string;
}

export const CHROMIUM: DebianPackage = { pkg: "chromium", file: "/usr/bin/chromium" };
export const DOVECOT: DebianPackage = { pkg: "dovecot-imapd", file: "/usr/sbin/dovecot" };

/**
 * Installs the Debian packages `purpose` needs when they are missing and this
 * runs as root (apt-get, non-interactive); otherwise stops the process with
 * one line naming them. Never carries on without them.
 */
export function ensureDebianPackages(needs: DebianPackage[], purpose: string): void {
  const missing = needs.filter((need) => !existsSync(need.file)).map((need) => need.pkg);
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    console.error(`Missing Debian packages for ${purpose}: ${missing.join(" ")} (install them: sudo apt-get install -y ${missing.join(" ")})`);
    process.exit(1);
  }
  console.error(`Installing Debian packages for ${purpose}: ${missing.join(" ")}`);
  // stdout belongs to the caller (the bench prints its JSON there): apt's progress goes to stderr.
  const run = (args: string[]) =>
    spawnSync("apt-get", args, { stdio: ["ignore", 2, 2], env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  if (run(["update", "-q"]).status !== 0 || run(["install", "-y", "-q", ...missing]).status !== 0) {
    console.error(`Could not install ${missing.join(" ")} with apt-get: install them and run again`);
    process.exit(1);
  }
}
