// The simulator and the ingester, run as a user runs them: `bun src/main.ts simulate` and
// `bun src/main.ts run` in processes of their own, their logs in the demo's folder.
import { createWriteStream, type WriteStream } from "node:fs";
import { join } from "node:path";

const MAIN = join(import.meta.dir, "../main.ts");
const STARTUP_TIMEOUT_MS = 30_000;

export interface Child {
  proc: Bun.Subprocess<"ignore", "pipe", "pipe">;
  /** The last lines it logged, for an error message. */
  recent(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit status (null: killed). */
  stop(graceMs: number): Promise<number | null>;
}

/** Runs `bun src/main.ts ARGS`; every output line goes to the log file and to onLine. */
function spawnMain(
  args: string[],
  options: { env: Record<string, string | undefined>; cwd: string; log: string; onLine: (line: string) => void },
): Child {
  const proc = Bun.spawn([process.execPath, MAIN, ...args], {
    env: options.env,
    cwd: options.cwd,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const file = createWriteStream(options.log, { flags: "a" });
  const lines: string[] = [];
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    let pending = "";
    for await (const chunk of stream) {
      const parts = (pending + decoder.decode(chunk, { stream: true })).split("\n");
      pending = parts.pop()!;
      for (const line of parts) {
        file.write(`${line}\n`);
        lines.push(line);
        if (lines.length > 20) lines.shift();
        options.onLine(line);
      }
    }
  };
  const pumped = Promise.all([pump(proc.stdout), pump(proc.stderr)]).then(() => closeFile(file));
  return {
    proc,
    recent: () => lines.join("\n"),
    async stop(graceMs) {
      if (proc.exitCode === null) proc.kill("SIGTERM");
      const timer = setTimeout(() => proc.kill("SIGKILL"), graceMs);
      const code = await proc.exited;
      clearTimeout(timer);
      await pumped;
      return proc.signalCode === "SIGKILL" ? null : code;
    },
  };
}

const closeFile = (file: WriteStream) => new Promise<void>((resolve) => file.end(resolve));

/** A child's JSON log line, or undefined for any other line. */
export function parseLogLine(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith("{")) return undefined;
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

export interface ChildOptions {
  cwd: string;
  log: string;
  env: Record<string, string | undefined>;
  /** Each line it prints, parsed when it is a JSON log line. */
  onLog?: (line: string, fields: Record<string, unknown> | undefined) => void;
}

/** Starts `bun src/main.ts ARGS` and waits for the log line from which `started` gets a value. */
export async function startChild<T>(
  what: string,
  args: string[],
  options: ChildOptions,
  started: (fields: Record<string, unknown>) => T | undefined,
) {
  let announce!: (value: T) => void;
  const announced = new Promise<T>((resolve) => (announce = resolve));
  const child = spawnMain(args, {
    ...options,
    onLine: (line) => {
      const fields = parseLogLine(line);
      const value = fields ? started(fields) : undefined;
      if (value !== undefined) announce(value);
      options.onLog?.(line, fields);
    },
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const outcome = await Promise.race([
    announced.then((value) => ({ value })),
    child.proc.exited.then((code) => ({ failure: `exited with status ${code} before it started` })),
    new Promise<{ failure: string }>((resolve) => {
      timer = setTimeout(() => resolve({ failure: `did not start in ${STARTUP_TIMEOUT_MS / 1000} s` }), STARTUP_TIMEOUT_MS);
    }),
  ]);
  clearTimeout(timer);
  if ("failure" in outcome) {
    await child.stop(1_000);
    throw new Error(`${what} ${outcome.failure}:\n${child.recent()}`);
  }
  return { child, value: outcome.value };
}
