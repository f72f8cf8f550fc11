// The demo's folder: the PostgreSQL cluster, the children's logs, and demo.json, which keeps the
// simulated chain's genesis time so that every run serves the same chain (same tick, same bytes,
// same timestamp) and a run can resume where the last one stopped.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Chain, nowMicros } from "../simulator/chain.ts";
import { DEFAULT_FIRST_TICK, NOMINAL_RATE } from "../simulator/index.ts";

/** The chain starts this long before the first run, so it has history from the start. */
const CHAIN_AGE_MICROS = 3_600_000_000n;
/** Ticks the simulator keeps for replay and GetTick: more than a resume may need (CATCH_UP_LIMIT). */
export const HISTORY_TICKS = 10_000_000;
/** A run resumes when its checkpoint is at most this many ticks behind the head (an hour of ticks). */
export const CATCH_UP_LIMIT = 3_600_000n;

export const DEMO_PASSWORD = "tick-demo";
export const DEMO_DATABASE = "tick_demo";
export const DEMO_STREAM = "tick-demo";
export const RATE = NOMINAL_RATE;
export const FIRST_TICK = DEFAULT_FIRST_TICK;
export const SEED = 1;

interface Saved {
  genesisTime: string;
  postgresPort?: number;
}

export class DemoState {
  readonly postgresDir: string;
  readonly ingesterLog: string;
  readonly simulatorLog: string;
  readonly postgresLog: string;
  private readonly file: string;
  private saved: Saved;

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    this.postgresDir = join(dir, "postgres");
    this.ingesterLog = join(dir, "ingester.log");
    this.simulatorLog = join(dir, "simulator.log");
    this.postgresLog = join(dir, "postgres.log");
    this.file = join(dir, "demo.json");
    this.saved = existsSync(this.file) ? (JSON.parse(readFileSync(this.file, "utf8")) as Saved) : { genesisTime: newGenesis() };
    this.save();
  }

  /** Microseconds since the epoch; fixed for the life of the folder (or until newChain). */
  get genesisTime(): bigint {
    return BigInt(this.saved.genesisTime);
  }

  get postgresPort(): number | undefined {
    return this.saved.postgresPort;
  }

  set postgresPort(port: number) {
    this.saved.postgresPort = port;
    this.save();
  }

  /** A chain of the same age as a new folder's, for a database that starts over. */
  newChain() {
    this.saved.genesisTime = newGenesis();
    this.save();
  }

  /** The newest tick of the simulated chain now, as the simulator computes it. */
  head(): bigint {
    const chain = new Chain({
      firstTick: FIRST_TICK,
      history: HISTORY_TICKS,
      rate: RATE,
      genesisMicros: this.genesisTime,
      timestampOf: () => 0n,
    });
    return chain.head();
  }

  private save() {
    writeFileSync(this.file, `${JSON.stringify(this.saved, null, 2)}\n`);
  }
}

const newGenesis = () => (nowMicros() - CHAIN_AGE_MICROS).toString();
