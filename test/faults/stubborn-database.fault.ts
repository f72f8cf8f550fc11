// A database that refuses, and a writer that was deposed without knowing it: a writer frozen
// (SIGSTOP) while the server ends its connections and a standby takes over and writes, then
// thawed (SIGCONT); a tick the database refuses with neither class 22 nor 23; batches of large
// ticks bounded by BATCH_BYTES. Each must end with every tick stored once, or kept as a reject.
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { refuseTick } from "../support/database.ts";
import { query, waitUntilStarted } from "../support/processes.ts";
import { FIRST, scenario, seconds } from "./harness.ts";

/** The local TCP ports of a process's sockets: its connections as the server sees them (client_port). */
function clientPorts(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    const target = (() => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        return "";
      }
    })();
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
    if (inode) inodes.add(inode);
  }
  const ports: number[] = [];
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    for (const line of readFileSync(table, "utf8").split("\n").slice(1)) {
      const columns = line.trim().split(/\s+/);
      if (columns.length > 9 && inodes.has(columns[9]!)) ports.push(Number.parseInt(columns[1]!.split(":")[1]!, 16));
    }
  }
  return ports;
}

async function until(what: string, done: () => boolean, timeoutMs: number) {
  const deadline = performance.now() + timeoutMs;
  while (!done()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(50);
  }
}

describe("a stubborn database", () => {
  test("a writer frozen while the server ends its connections and a standby takes over, then thawed", async () => {
    await scenario("database/deposed-writer-alive", async (s) => {
      await s.database();
      await s.stream({ count: 45_000, rate: 3000 });
      const env = { SHUTDOWN_TIMEOUT: "5s", BATCH_SIZE: "100" };
      const writer = s.ingester(env);
      await s.waitFor(FIRST + 3000n, writer);
      const standby = s.ingester(env);
      await until("the standby to stand by", () => standby.output().includes("Standing by"), 20_000);

      writer.proc.kill("SIGSTOP");
      const frozenAt = await s.checkpoint();
      const ports = clientPorts(writer.proc.pid);
      const ended = await query(s.databaseUrl, async (sql) => {
        const rows = await sql`
          SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity
          WHERE datname = current_database() AND client_port = ANY(${ports}::int[])`;
        return rows.filter((r) => r.ended).length;
      });
      expect(ended).toBeGreaterThan(0);
      await waitUntilStarted(standby, 20_000); // the standby took over
      await s.waitFor(frozenAt + 3000n, standby);

      writer.proc.kill("SIGCONT");
      const thawed = performance.now();
      const code = await Promise.race([writer.exited, Bun.sleep(20_000).then(() => "still running")]);
      const took = performance.now() - thawed;
      expect({ code, fenced: /another instance (took over|held the lock|holds the lock)/.test(writer.output()) }).toEqual({
        code: 1,
        fenced: true,
      });

      await s.finish(standby, 120_000);
      await s.verify(
        `writer frozen at checkpoint +${frozenAt - FIRST}, ${ended} of its connections ended by the server, standby took over; thawed writer exited ${code} in ${seconds(took)}`,
      );
    });
  }, 180_000);

  test("a tick the database refuses with a program limit error (SQLSTATE 54000) is kept as a reject; the rest is stored", async () => {
    await scenario("database/refused-tick-54000", async (s) => {
      await s.database();
      const refused = FIRST + 1234n;
      // As an index does with a key too long for it; the tick itself passes validation.
      await query(s.databaseUrl, (sql) =>
        refuseTick(sql, refused, "index row size 24016 exceeds btree version 4 maximum 2704", "program_limit_exceeded"),
      );
      await s.stream({ count: 20_000 });
      const proc = s.ingester();
      await s.finish(proc, 60_000);
      const [reject] = await query(s.databaseUrl, (sql) => sql`SELECT tick_number::text AS n, reason FROM tick_rejects`);
      expect(reject).toEqual({
        n: refused.toString(),
        reason: "database_refused: index row size 24016 exceeds btree version 4 maximum 2704",
      });
      await s.verify(`tick +1234 refused with 54000 by the database; stored as a reject`, { rejected: 1 });
    });
  }, 120_000);

  test("ticks of 100 KB in batches bounded by BATCH_BYTES", async () => {
    await scenario("database/batch-bytes", async (s) => {
      await s.database();
      await s.stream({ count: 600, txRatio: 1, txsPerTick: 2, payloadBytes: 50_000 });
      const proc = s.ingester({ BATCH_BYTES: "300000", LOG_LEVEL: "debug", ENV: "production" });
      await s.finish(proc, 60_000);
      const sizes = proc
        .output()
        .split("\n")
        .filter((line) => line.includes("Wrote batch to TimescaleDB"))
        .map((line) => (JSON.parse(line) as { tick_count: number }).tick_count);
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(600);
      expect(Math.max(...sizes)).toBeLessThanOrEqual(3);
      await s.verify(`ticks of about 100 KB, BATCH_BYTES 300000: ${sizes.length} batches of at most ${Math.max(...sizes)} ticks`);
    });
  }, 120_000);
});
