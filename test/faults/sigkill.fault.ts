// SIGKILL of the ingester at random moments (seeded by FAULT_SEED): during start-up and migration,
// while catching up as fast as it can, and while following a stream produced at a steady pace.
import { describe, test } from "bun:test";
import { FIRST, scenario, seconds, type Scenario } from "./harness.ts";

const count = (n: bigint) => n.toLocaleString("en-US");

/** Starts and SIGKILLs the ingester `kills` times, each after a seeded delay in [minMs, maxMs). */
async function killRepeatedly(s: Scenario, kills: number, minMs: number, maxMs: number, env: Record<string, string>) {
  const delays: number[] = [];
  for (let k = 0; k < kills; k++) {
    const proc = s.ingester(env);
    const delay = s.between(minMs, maxMs);
    delays.push(delay);
    await Bun.sleep(delay);
    await s.sigkill(proc);
  }
  return `${kills} SIGKILLs ${seconds(Math.min(...delays))}-${seconds(Math.max(...delays))} after each start, checkpoint then at ${count((await s.checkpoint()) - FIRST)} ticks`;
}

describe("SIGKILL of the ingester", () => {
  test("while it migrates, starts and catches up as fast as it can", async () => {
    await scenario("sigkill/catch-up", async (s) => {
      await s.database();
      await s.stream({ count: 250_000 });
      const did = await killRepeatedly(s, 12, 100, 2500, { MIGRATE: "true", BATCH_SIZE: "250" });
      await s.finish(s.ingester());
      await s.verify(`${did}; rate 0, BATCH_SIZE 250, 2 workers`);
    });
  }, 240_000);

  test("while it follows a stream produced at 3,000 ticks/s", async () => {
    await scenario("sigkill/live", async (s) => {
      await s.database();
      await s.stream({ count: 90_000, rate: 3000 });
      const did = await killRepeatedly(s, 12, 500, 3500, { WORKER_COUNT: "3", BATCH_SIZE: "100", FLUSH_INTERVAL: "50ms" });
      await s.finish(s.ingester({ WORKER_COUNT: "3", BATCH_SIZE: "100", FLUSH_INTERVAL: "50ms" }));
      await s.verify(`${did}; 3,000 ticks/s, BATCH_SIZE 100, FLUSH_INTERVAL 50ms, 3 workers`);
    });
  }, 240_000);
});
