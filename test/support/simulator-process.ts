// `tick-ingester simulate` as its own process, listening on a free port: the address comes from
// its first stdout line. Used by tests and by the benchmarks (which run the built binary).
import { join } from "node:path";

const main = join(import.meta.dir, "../../src/main.ts");

/**
 * Returns the process, its address, its first stdout line parsed ({"msg":"listening",...}) and
 * the reader of the rest of stdout. `command` runs the simulator: from source by default, or
 * e.g. [bin/tick-ingester].
 */
export async function spawnSimulator(args: string[], command = ["bun", main]) {
  const proc = Bun.spawn([...command, "simulate", "--listen", "127.0.0.1:0", ...args], { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const reader = proc.stdout.getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the simulator exited before its first line: ${await new Response(proc.stderr).text()}`);
    text += new TextDecoder().decode(value);
  }
  const first = JSON.parse(text.slice(0, text.indexOf("\n"))) as { msg: string; address: string };
  return { proc, address: first.address, first, reader };
}

export type SimulatorProcess = Awaited<ReturnType<typeof spawnSimulator>>;
