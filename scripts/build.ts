// `bun run build`: one standalone bin/tick-ingester. Every Worker entry point is listed as an
// extra entry point, or the compiled binary cannot start its workers. The pool creates its Worker
// from new URL("./worker.ts", import.meta.url), which inside the binary resolves against the
// binary's own path (/$bunfs/root/), so the bundle's root is the worker's folder: the worker
// lands at /$bunfs/root/worker.ts.
import { $ } from "bun";

export const workerEntryPoints: string[] = ["src/pipeline/worker.ts"];

export async function buildBinary(outfile: string) {
  await $`bun build --compile --minify --sourcemap --root src/pipeline src/main.ts ${workerEntryPoints} --outfile ${outfile}`
    .cwd(`${import.meta.dir}/..`)
    .quiet();
}

if (import.meta.main) await buildBinary("bin/tick-ingester");
