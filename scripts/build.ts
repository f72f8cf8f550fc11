// `bun run build`: one standalone bin/tick-ingester. Every Worker entry point is listed as an
// extra entry point, or the compiled binary cannot start its workers (src/pipeline/worker-pool.ts
// says where they are found inside it). A compiled binary would by default also load .env,
// .env.local and bunfig.toml from whatever folder it runs in, expanding $VAR in the .env files,
// before the program's own configuration loading: a stray .env would beat --env-file and turn a
// password pa$word into pa. Both are off; the program reads .env itself (src/config/load.ts).
import { $ } from "bun";

export const workerEntryPoints = ["src/pipeline/worker-thread.ts"];

export async function buildBinary(outfile: string) {
  await $`bun build --compile --no-compile-autoload-dotenv --no-compile-autoload-bunfig --minify --sourcemap src/main.ts ${workerEntryPoints} --outfile ${outfile}`
    .cwd(`${import.meta.dir}/..`)
    .quiet();
}

if (import.meta.main) await buildBinary("bin/tick-ingester");
