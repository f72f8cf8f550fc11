// `bun run build`: one standalone bin/tick-ingester. Every Worker entry point is listed as an
// extra entry point, or the compiled binary cannot start its workers.
import { $ } from "bun";

export const workerEntryPoints = ["src/pipeline/worker.ts"];

/**
 * The bundle's root is the workers' folder: the worker then lands beside the bundled main in the
 * binary's file system, where `new URL("./worker.ts", import.meta.url)` (src/pipeline/workers.ts)
 * finds it.
 */
export async function buildBinary(outfile = "bin/tick-ingester") {
  await $`bun build --compile --minify --sourcemap --root src/pipeline src/main.ts ${workerEntryPoints} --outfile ${outfile}`.cwd(`${import.meta.dir}/..`);
}

if (import.meta.main) await buildBinary();
