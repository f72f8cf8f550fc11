// `bun run build`: one standalone bin/tick-ingester. Every Worker entry point is listed as an
// extra entry point, or the compiled binary cannot start its workers.
import { $ } from "bun";

export const workerEntryPoints = ["src/pipeline/worker.ts"];

await $`bun build --compile --minify --sourcemap src/main.ts ${workerEntryPoints} --outfile bin/tick-ingester`;
