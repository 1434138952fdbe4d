import { execFile } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);
// Only PATH: no variable of ours reaches id or useradd. (`as unknown`: Next's types want NODE_ENV in every environment object.)
const TOOL_ENV = { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" } as unknown as NodeJS.ProcessEnv;

/** A system user that a server runs as when this process is root (PostgreSQL, Dovecot's mail processes). */
export interface SystemUser {
  name: string;
  uid: number;
  gid: number;
}

/** The user `name` of this machine; with `create`, a system user (no home, no shell) is made when there is none. */
export async function systemUser(name: string, options: { create?: boolean } = {}): Promise<SystemUser> {
  const lookup = async (): Promise<SystemUser> => ({
    name,
    uid: Number((await execFileAsync("id", ["-u", name], { env: TOOL_ENV })).stdout.trim()),
    gid: Number((await execFileAsync("id", ["-g", name], { env: TOOL_ENV })).stdout.trim()),
  });
  try {
    return await lookup();
  } catch (error) {
    if (!options.create) throw new Error(`There is no user "${name}" on this machine`, { cause: error });
    const args = ["--system", "--user-group", "--no-create-home", "--shell", "/usr/sbin/nologin", name];
    await execFileAsync("useradd", args, { env: TOOL_ENV }).catch((failure: Error) => {
      throw new Error(`There is no user "${name}" and creating it failed: ${failure.message}`, { cause: failure });
    });
    return lookup();
  }
}

/**
 * The first directory on the way from / to `dir` that `user` may not enter
 * (no search bit for it), described with its mode; null when it reaches `dir`.
 * Primary group only: when unsure, "blocked" is the safe answer.
 */
export async function blockedPathFor(user: Pick<SystemUser, "uid" | "gid">, dir: string): Promise<string | null> {
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    const stat = await fs.stat(current);
    const bit = stat.uid === user.uid ? 0o100 : stat.gid === user.gid ? 0o010 : 0o001;
    if ((stat.mode & bit) === 0) return `${current} (mode ${(stat.mode & 0o777).toString(8)})`;
    if (current === path.dirname(current)) return null;
  }
}
