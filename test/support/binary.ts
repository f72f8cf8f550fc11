// bin/tick-ingester as `bun run build` makes it, rebuilt first when any source is newer, so
// tests that drive the binary never run a stale one.
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dir, "../..");
export const BINARY = join(root, "bin/tick-ingester");

function newestSource(): number {
  const files = readdirSync(join(root, "src"), { recursive: true, encoding: "utf8" }).map((f) => join(root, "src", f));
  const inputs = [
    ...files,
    ...readdirSync(join(root, "schema")).map((f) => join(root, "schema", f)),
    join(root, "scripts/build.ts"),
    join(root, "bun.lock"),
  ];
  return Math.max(...inputs.map((f) => statSync(f).mtimeMs));
}

/** The path of a binary built from the current sources. */
export function builtBinary(): string {
  if (existsSync(BINARY) && statSync(BINARY).mtimeMs >= newestSource()) return BINARY;
  const build = Bun.spawnSync(["bun", "run", "build"], { cwd: root, stdout: "pipe", stderr: "pipe" });
  if (build.exitCode !== 0) throw new Error(`bun run build failed (exit ${build.exitCode}):\n${build.stdout}${build.stderr}`);
  return BINARY;
}
