// `bun run build`: one standalone bin/tick-ingester. Every Worker entry point is listed as an
// extra entry point, or the compiled binary cannot start its workers (src/pipeline/workers.ts
// says where they are found inside it).
import { $ } from "bun";

export const workerEntryPoints = ["src/pipeline/worker.ts"];

export async function buildBinary(outfile: string) {
  await $`bun build --compile --minify --sourcemap src/main.ts ${workerEntryPoints} --outfile ${outfile}`
    .cwd(`${import.meta.dir}/..`)
    .quiet();
}

if (import.meta.main) await buildBinary("bin/tick-ingester");
