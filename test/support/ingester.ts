// The ingester as a user runs it: a separate process, configured by environment and flags.
import { join } from "node:path";
import postgres from "postgres";
import { builtBinary } from "./binary.ts";

const main = join(import.meta.dir, "../../src/main.ts");

export interface SpawnOptions {
  /** Run bin/tick-ingester (built first if stale) instead of `bun src/main.ts`. */
  binary?: boolean;
}

/** The command that starts tick-ingester, as source or as the built binary. */
export const ingesterCommand = (options: SpawnOptions = {}) => (options.binary ? [builtBinary()] : ["bun", main]);

export interface IngesterProcess {
  proc: Bun.Subprocess<"ignore", "pipe", "pipe">;
  /** Everything it printed so far, stdout then stderr. */
  output(): string;
  exited: Promise<number>;
}

/** `command` runs the ingester: from source by default, or e.g. [bin/tick-ingester]. */
export function spawnIngester(env: Record<string, string>, args: string[] = [], command = ["bun", main]): IngesterProcess {
  const proc = Bun.spawn([...command, ...args], {
    env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? "/tmp", HEALTH_CHECK_PORT: "0", LOG_LEVEL: "info", ...env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const { output, drained } = collectOutput(proc);
  return { proc, output, exited: drained.then(() => proc.exited) };
}

/** Keeps reading a child's stdout and stderr (so it never blocks on a full pipe); `onStdout` sees
 * stdout as it grows. */
export function collectOutput(proc: Bun.Subprocess<"ignore", "pipe", "pipe">, onStdout?: (stdout: string) => void) {
  let stdout = "";
  let stderr = "";
  const drain = async (stream: ReadableStream<Uint8Array>, append: (text: string) => void) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) append(decoder.decode(chunk, { stream: true }));
  };
  const drained = Promise.all([
    drain(proc.stdout, (text) => {
      stdout += text;
      onStdout?.(stdout);
    }),
    drain(proc.stderr, (text) => (stderr += text)),
  ]).then(() => {});
  return { output: () => stdout + stderr, drained };
}

/** Waits until the stream's checkpoint reaches `next` (every tick below it committed). */
export async function waitForCheckpoint(databaseUrl: string, stream: string, next: bigint, timeoutMs = 60_000, ingester?: IngesterProcess) {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      const [row] = await sql`SELECT next_tick::text FROM ingest_checkpoints WHERE stream = ${stream}`.catch(() => []);
      if (row && BigInt(row.next_tick) >= next) return;
      if (Date.now() > deadline) {
        throw new Error(`checkpoint of ${stream} did not reach ${next} in ${timeoutMs} ms (it is at ${row?.next_tick ?? "none"})\n${ingester?.output() ?? ""}`);
      }
      await Bun.sleep(100);
    }
  } finally {
    await sql.end();
  }
}
