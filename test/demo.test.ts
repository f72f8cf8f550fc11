// `bun run demo` as a new user runs it: a first run stores ticks, a second run resumes from the
// first one's checkpoint and stops cleanly on Ctrl+C (SIGINT), each with exit status 0.
import { expect, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { baseEnv } from "./support/processes.ts";

const main = join(import.meta.dir, "../src/demo/main.ts");

function startDemo(args: string[]) {
  const proc = Bun.spawn(["bun", main, ...args], {
    env: baseEnv(),
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  let output = "";
  const drain = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) output += decoder.decode(chunk, { stream: true });
  };
  const drained = Promise.all([drain(proc.stdout), drain(proc.stderr)]);
  return { proc, output: () => output, exited: drained.then(() => proc.exited) };
}

const ticksStored = (output: string) => BigInt(/Stored by this run: ([\d,]+) ticks/.exec(output)?.[1]?.replaceAll(",", "") ?? "-1");

test("the demo stores ticks, then resumes from its checkpoint and stops on Ctrl+C", async () => {
  // A folder only its owner can enter, like a clone under /root: as root, PostgreSQL runs as the
  // postgres user, which cannot enter it.
  const parent = mkdtempSync(join(tmpdir(), "tick-demo-test-"));
  chmodSync(parent, 0o700);
  const dir = join(parent, "demo");
  try {
    const first = startDemo(["--duration", "3s", "--dir", dir]);
    expect({ status: await first.exited, output: first.output() }).toMatchObject({ status: 0 });
    const firstOutput = first.output();
    expect(firstOutput).toContain("First run");
    if (process.getuid?.() === 0) expect(firstOutput).toContain(`data in ${dir}/postgres (a link to /var/lib/tick-ingester/postgres-`);

    expect(firstOutput).toMatch(/[\d,]+ ticks stored \| [\d,]+ ticks\/s \| lag [\d.]+ s \| buffer/);
    expect(ticksStored(firstOutput)).toBeGreaterThan(0n);
    expect(firstOutput).toContain("; 0 lost, 0 stored twice;");
    expect(firstOutput).toContain("A tick read back with get_tick_by_number(");
    const checkpoint = /every tick below (\d+) is committed/.exec(firstOutput)?.[1];
    expect(checkpoint).toBeDefined();

    const second = startDemo(["--dir", dir]);
    for (let waited = 0; !second.output().includes("Press Ctrl+C to stop.") && waited < 30_000; waited += 50) await Bun.sleep(50);
    await Bun.sleep(2_000);
    second.proc.kill("SIGINT");
    expect({ status: await second.exited, output: second.output() }).toMatchObject({ status: 0 });
    const secondOutput = second.output();
    expect(secondOutput).toContain(`Resumed from tick ${checkpoint} (the checkpoint the last run left)`);
    expect(secondOutput).toContain("Ingester stopped with status 0");
    expect(ticksStored(secondOutput)).toBeGreaterThan(0n);
    expect(secondOutput).toContain("; 0 lost, 0 stored twice;");
  } finally {
    if (existsSync(join(dir, "postgres"))) rmSync(realpathSync(join(dir, "postgres")), { recursive: true, force: true });
    rmSync(parent, { recursive: true, force: true });
  }
}, 60_000);

test("a demo folder whose PostgreSQL cannot start: the demo exits 1 at once, with the server's reason", async () => {
  const parent = mkdtempSync(join(tmpdir(), "tick-demo-test-"));
  chmodSync(parent, 0o755);
  const dir = join(parent, "demo");
  // A cluster folder that is not a cluster: PG_VERSION and nothing else.
  mkdirSync(join(dir, "postgres"), { recursive: true });
  writeFileSync(join(dir, "postgres", "PG_VERSION"), "17\n");
  try {
    const demo = startDemo(["--duration", "3s", "--dir", dir]);
    const status = await demo.exited;
    expect({ status, output: demo.output() }).toMatchObject({ status: 1 });
    expect(demo.output()).toMatch(
      /The demo failed: PostgreSQL did not start on port \d+ with data in .*\/postgres: it exited with status \d+: postgres: could not access the server configuration file/,
    );
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
}, 30_000);
