// Every command replaces itself once, in place, with JavaScriptCore's heap sizing for 256 MiB of
// RAM, keeping its arguments and Bun's own flags; a value the operator set is kept.
import { afterAll, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { HEAP_RAM_BYTES } from "../../src/cli/heap-sizing.ts";
import { spawnSimulator, type SimulatorProcess } from "../support/processes.ts";

const main = join(import.meta.dir, "../../src/main.ts");
const started: SimulatorProcess[] = [];
afterAll(() => Promise.all(started.map((s) => s.stop())));

/** The simulator from source, with this process's environment but for BUN_JSC_forceRAMSize. */
async function simulatorWith(forceRAMSize: string | undefined, bunFlags: string[] = []) {
  const { BUN_JSC_forceRAMSize: _, ...env } = process.env as Record<string, string>;
  if (forceRAMSize !== undefined) env.BUN_JSC_forceRAMSize = forceRAMSize;
  const simulator = await spawnSimulator(["--rate", "1"], { command: ["bun", ...bunFlags, main], env });
  started.push(simulator);
  const pid = simulator.proc.pid;
  return {
    environ: readFileSync(`/proc/${pid}/environ`, "utf8").split("\0"),
    cmdline: readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0"),
    address: simulator.address,
  };
}

test("a command started without it runs, under the same pid, with the heap sized for 256 MiB", async () => {
  const { environ, cmdline, address } = await simulatorWith(undefined);
  expect(environ).toContain(`BUN_JSC_forceRAMSize=${HEAP_RAM_BYTES}`);
  expect(cmdline.slice(1)).toEqual([main, "simulate", "--listen", "127.0.0.1:0", "--rate", "1", ""]);
  expect(address).toMatch(/^127\.0\.0\.1:\d+$/);
}, 20_000);

test("the operator's value is kept, and Bun's own flags survive the replacement", async () => {
  const { environ, cmdline } = await simulatorWith("536870912", ["--smol"]);
  expect(environ).toContain("BUN_JSC_forceRAMSize=536870912");
  const fresh = await simulatorWith(undefined, ["--smol"]);
  expect(fresh.environ).toContain(`BUN_JSC_forceRAMSize=${HEAP_RAM_BYTES}`);
  expect(fresh.cmdline.slice(1, 3)).toEqual(["--smol", main]);
  expect(cmdline.slice(1, 3)).toEqual(["--smol", main]);
}, 20_000);
