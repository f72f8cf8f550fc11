// The right to write a stream, with the database as the arbiter: the stream's PostgreSQL advisory
// lock, held on a connection of its own for as long as the process writes. A second instance
// waits for it as a standby and takes over within about a second of the holder's death (the
// server drops a dead session's locks). When the holder's host dies or is cut off instead, the
// server learns it from its TCP keepalives on the lock's connection: about
// KEEPALIVE_IDLE_S + KEEPALIVE_COUNT * KEEPALIVE_INTERVAL_S seconds (11; see database.ts), then the
// standby's next poll. Taking over bumps the stream's epoch in ingest_leases; batch transactions
// check it (see timescale-writer.ts), which fences off a writer that lost its lock without noticing.
import { hostname } from "node:os";
import type postgres from "postgres";
import { connect, type DatabaseOptions } from "./database.ts";

const POLL_MS = 1_000;
const STATEMENT_TIMEOUT = "57014";
const HEARTBEAT_MS = 2_000;

export class FencedOut extends Error {
  constructor(stream: string, epoch: bigint) {
    super(`another instance took over stream ${stream}: epoch ${epoch} is no longer current`);
    this.name = "FencedOut";
  }
}

export interface LeaseOptions {
  stream: string;
  /** This process's name in ingest_leases; the default is unique per process. */
  holder?: string;
  signal: AbortSignal;
  /** Called once when another instance holds the lock and this one starts waiting. */
  onStandby(holder: string): void;
  /** Called if the lock is lost after it was taken (its connection broke). */
  onLost(reason: string): void;
}

export class Lease {
  private heartbeat: ReturnType<typeof setInterval> | undefined;

  private constructor(
    private readonly sql: postgres.Sql,
    private readonly key: string,
    private readonly options: LeaseOptions,
    private pid: number,
    readonly epoch: bigint,
  ) {}

  /** Waits until this process holds the stream's lock; rejects if the signal aborts first. */
  static async acquire(databaseUrl: string, database: DatabaseOptions, options: LeaseOptions): Promise<Lease> {
    const sql = connect(databaseUrl, "lease", database);
    const key = `tick-ingester:${options.stream}`;
    let waiting = false;
    try {
      for (;;) {
        if (options.signal.aborted) throw new Error("stopped while waiting for the ingestion lock");
        // The epoch's bump waits for the old writer's batches; past the statement timeout (its
        // batches are stuck on a dead host until their own timeouts end them) wait on as a standby.
        const taken = await tryLock(sql, key, options).catch((error: { code?: string }) => {
          if (error.code === STATEMENT_TIMEOUT) return undefined;
          throw error;
        });
        if (taken) {
          const lease = new Lease(sql, key, options, taken.pid, taken.epoch);
          lease.watch();
          return lease;
        }
        if (!waiting) {
          waiting = true;
          const [current] = await sql`SELECT holder FROM ingest_leases WHERE stream = ${options.stream}`;
          options.onStandby(current?.holder ?? "another instance");
        }
        await Bun.sleep(POLL_MS);
      }
    } catch (error) {
      await sql.end({ timeout: 1 });
      throw error;
    }
  }

  /**
   * The lock belongs to one server session. If that session ended (a database restart), take the
   * lock again: with nobody else having held it in between, the epoch stays and writing goes on.
   */
  private watch() {
    this.heartbeat = setInterval(async () => {
      try {
        const [row] = await this.sql`SELECT pg_backend_pid() AS pid`;
        if (row!.pid === this.pid) return;
        const taken = await tryLock(this.sql, this.key, this.options);
        if (taken?.epoch === this.epoch) {
          this.pid = taken.pid;
          return;
        }
        clearInterval(this.heartbeat);
        this.options.onLost(taken ? `another instance held the lock meanwhile (epoch ${taken.epoch})` : "another instance holds the lock");
      } catch {
        // The database is unreachable: the next beat tries again.
      }
    }, HEARTBEAT_MS);
  }

  async release(): Promise<void> {
    clearInterval(this.heartbeat);
    await this.sql.end({ timeout: 2 });
  }
}

/** Unique even when a pid is reused. */
const PROCESS_HOLDER = `${hostname()}:${process.pid}:${crypto.randomUUID().slice(0, 8)}`;

async function tryLock(sql: postgres.Sql, key: string, options: LeaseOptions): Promise<{ pid: number; epoch: bigint } | undefined> {
  const { stream, holder = PROCESS_HOLDER } = options;
  const [row] = await sql`SELECT pg_try_advisory_lock(hashtextextended(${key}, 0)) AS locked, pg_backend_pid() AS pid`;
  if (!row!.locked) return undefined;
  // The epoch changes only when the holder does; the UPDATE waits for batches of the old
  // holder that are still committing (they hold the row FOR SHARE).
  const [lease] = await sql`
    INSERT INTO ingest_leases (stream, epoch, holder) VALUES (${stream}, 1, ${holder})
    ON CONFLICT (stream) DO UPDATE SET
      epoch = CASE WHEN ingest_leases.holder = EXCLUDED.holder THEN ingest_leases.epoch ELSE ingest_leases.epoch + 1 END,
      holder = EXCLUDED.holder,
      acquired_at = now()
    RETURNING epoch::text`;
  return { pid: row!.pid as number, epoch: BigInt(lease!.epoch) };
}
