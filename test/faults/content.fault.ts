// Faulty content in the stream: ticks left out (fetched with GetTick), repeated, invalid and
// undecodable (rejected with the reason), hostile strings, uint64 extremes and a 4 MiB payload.
import { describe, expect, test } from "bun:test";
import type { Faults } from "../../src/simulator/index.ts";
import { BIG_NONCE, HOSTILE_TEXT, MAX_NONCE } from "../../src/simulator/index.ts";
import { FIRST, scenario, type Scenario } from "./harness.ts";
import { openSql } from "../support/processes.ts";

const at = (offset: number) => FIRST + BigInt(offset);

/** tick_number → the code of its reason, for every numbered reject. */
async function rejectCodes(s: Scenario): Promise<Record<string, string>> {
  const sql = openSql(s.databaseUrl);
  try {
    const rows =
      await sql`SELECT tick_number::text AS n, split_part(reason, ':', 1) AS code FROM tick_rejects WHERE tick_number IS NOT NULL`;
    return Object.fromEntries(rows.map((r) => [r.n, r.code]));
  } finally {
    await sql.end();
  }
}

type Env = Record<string, string>;

const describeFaults = (faults: Faults) =>
  Object.entries(faults)
    .map(([kind, list]) => `${kind} ${Array.isArray(list) ? list.length : list}`)
    .join(", ");

describe("faulty ticks", () => {
  const sequenceRounds = [
    {
      name: "sequence/catch-up",
      count: 20_000,
      rate: 0,
      kill: false,
      env: {} as Env,
      faults: {
        omit: [at(0), at(100), at(101), at(102), at(5000), at(19_998)],
        repeat: [at(10), at(103), at(7000)],
        invalid: [
          { tick: at(20), kind: "zero-tick" as const },
          { tick: at(30), kind: "no-vdf" as const },
          { tick: at(40), kind: "unsigned-tx" as const },
        ],
        garbage: [at(50), at(51)],
      },
      codes: {
        [at(20).toString()]: "zero_tick_number",
        [at(30).toString()]: "missing_vdf_proof",
        [at(40).toString()]: "invalid_transaction",
        [at(50).toString()]: "undecodable",
        [at(51).toString()]: "undecodable",
      },
    },
    {
      name: "sequence/live-dropped-killed",
      count: 24_000,
      rate: 4000,
      kill: true,
      env: { WORKER_COUNT: "3", BATCH_SIZE: "64" } as Env,
      faults: {
        dropEvery: 1000,
        omit: [at(999), at(1000), at(3000), at(12_345), at(23_998)],
        repeat: [at(1001), at(8000), at(8001)],
        invalid: [
          { tick: at(2000), kind: "zero-tick" as const },
          { tick: at(3000), kind: "no-vdf" as const },
          { tick: at(4000), kind: "unsigned-tx" as const },
        ],
        garbage: [at(5000), at(15_000)],
      },
      codes: {
        [at(2000).toString()]: "zero_tick_number",
        [at(3000).toString()]: "missing_vdf_proof",
        [at(4000).toString()]: "invalid_transaction",
        [at(5000).toString()]: "undecodable",
        [at(15_000).toString()]: "undecodable",
      },
    },
  ];
  for (const round of sequenceRounds) {
    test(`left out, repeated, invalid and undecodable ticks (${round.name})`, async () => {
      await scenario(round.name, async (s) => {
        await s.database();
        await s.stream({ count: round.count, rate: round.rate, faults: round.faults });
        let killedAt = "";
        if (round.kill) {
          const first = s.ingester(round.env);
          const delay = s.between(1500, 4000);
          await Bun.sleep(delay);
          await s.sigkill(first);
          killedAt = `, SIGKILL after ${delay} ms`;
        }
        const proc = s.ingester(round.env);
        await s.finish(proc);
        await s.verify(`${describeFaults(round.faults)}; rate ${round.rate}${killedAt}`, { rejected: Object.keys(round.codes).length });
        expect(await rejectCodes(s)).toEqual(round.codes);
      });
    }, 120_000);
  }

  const hostileRounds = [
    {
      name: "hostile/batch-250",
      count: 3000,
      env: {} as Env,
      hostile: [
        { tick: at(5), kind: "tabs" as const },
        { tick: at(6), kind: "big-nonce" as const },
        { tick: at(7), kind: "max-nonce" as const },
        { tick: at(8), kind: "nul" as const },
        { tick: at(9), kind: "big-payload" as const },
      ],
    },
    {
      name: "hostile/batch-7",
      count: 5000,
      env: { BATCH_SIZE: "7", WORKER_COUNT: "3" } as Env,
      hostile: [
        { tick: at(999), kind: "nul" as const },
        { tick: at(1000), kind: "big-payload" as const },
        { tick: at(1001), kind: "big-payload" as const },
        { tick: at(2000), kind: "tabs" as const },
        { tick: at(2001), kind: "max-nonce" as const },
        { tick: at(4990), kind: "big-nonce" as const },
      ],
    },
  ];
  for (const round of hostileRounds) {
    test(`tabs, newlines, backslashes, emoji, NUL, 2^53+1, 2^64-1 and 4 MiB payloads (${round.name})`, async () => {
      await scenario(round.name, async (s) => {
        await s.database();
        await s.stream({ count: round.count, faults: { hostile: round.hostile } });
        await s.finish(s.ingester(round.env));
        const nul = round.hostile.find((h) => h.kind === "nul")!.tick;
        await s.verify(`hostile ${round.hostile.map((h) => `+${h.tick - FIRST}:${h.kind}`).join(" ")}; ${JSON.stringify(round.env)}`, {
          rejected: 1,
        });
        expect(await rejectCodes(s)).toEqual({ [nul.toString()]: "nul_in_text" });
        const sql = openSql(s.databaseUrl);
        try {
          const nonces =
            await sql`SELECT nonce::text FROM tick_transactions WHERE nonce::numeric >= ${BIG_NONCE.toString()}::numeric ORDER BY tick_transactions.nonce`;
          const wanted = round.hostile.filter((h) => h.kind.endsWith("nonce")).map((h) => (h.kind === "big-nonce" ? BIG_NONCE : MAX_NONCE));
          expect(nonces.map((r) => r.nonce)).toEqual(wanted.sort((a, b) => (a < b ? -1 : 1)).map(String));
          const [big] =
            await sql`SELECT count(*)::int AS n, min(length(payload))::int AS bytes FROM tick_transactions WHERE length(payload) > 1000000`;
          const [tabs] = await sql`SELECT count(*)::int AS n FROM tick_transactions WHERE tx_id = ${HOSTILE_TEXT}`;
          expect(tabs!.n).toBe(1);
          expect({ ...big }).toEqual({ n: round.hostile.filter((h) => h.kind === "big-payload").length, bytes: 4 * 1024 * 1024 });
        } finally {
          await sql.end();
        }
      });
    }, 120_000);
  }
});
