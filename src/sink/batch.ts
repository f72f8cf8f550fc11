// A batch as the sinks write it: the rows of its stored ticks, its rejects, gaps and chain
// breaks, and the tick range it covers. Built in a Worker from the records of its ring; its
// ticks' rows are in table buffers that the builder takes back once the batch is written.
import type { Tick } from "../gen/continuum/sequencer/v1/sequencer_pb.ts";
import { peekTick } from "../source/tick-peek.ts";
import type { BatchEnd, ChainBreak, Gap, RejectRecord } from "./records.ts";
import { decodeTick, dropRows, newTickTables, TickRejected, tickRows, type TickRows, type TickTables } from "./tick-rows.ts";

export interface StoredTick {
  /** Kept only when the sink prints ticks (console mode): holding them costs memory. */
  tick?: Tick;
  /** Where its rows are in the batch's `tables`. */
  rows: TickRows;
  raw: Uint8Array;
}

export interface RejectedTick {
  tickNumber?: bigint;
  code: string;
  detail: string;
  raw: Uint8Array;
}

export interface Batch {
  batchId: number;
  /** The tick range this batch completes; absent when it holds only unnumbered rejects. */
  first?: bigint;
  last?: bigint;
  stored: StoredTick[];
  /** The binary COPY rows of the stored ticks (and maybe of ticks split off into another batch). */
  tables: TickTables;
  rejected: RejectedTick[];
  gaps: Gap[];
  chainBreaks: ChainBreak[];
}

/** Table buffers kept for the next batches: at most this many sets, none that grew past TABLE_KEEP_BYTES. */
const POOL_SETS = 4;
const TABLE_KEEP_BYTES = 16 << 20;

export class BatchBuilder {
  private stored: StoredTick[] = [];
  private rejected: RejectedTick[] = [];
  private readonly pool: TickTables[] = [];
  private tables: TickTables;

  constructor(private readonly keepTicks = false) {
    this.tables = newTickTables();
  }

  addTick(raw: Uint8Array) {
    // The main thread placed the tick under the number peekTick reads (it cannot fail here: it
    // did not there). Its rows must carry that number, or the batch's range would commit without
    // it and another tick's rows would be doubled. Read in canonical form, tick_number is the
    // field peekTick reads, read the same way; a re-encoded message is checked.
    try {
      const rows = tickRows(raw, this.tables);
      const placed = rows.reencoded ? peekTick(raw).tickNumber : rows.tickNumber;
      if (placed !== rows.tickNumber) {
        dropRows(this.tables, rows);
        throw new TickRejected({
          code: "ambiguous_tick_number",
          detail: `placed as tick ${placed}, but decodes as tick ${rows.tickNumber}`,
        });
      }
      this.stored.push({ tick: this.keepTicks ? decodeTick(raw) : undefined, rows, raw });
    } catch (error) {
      if (!(error instanceof TickRejected)) throw error;
      this.rejected.push({ tickNumber: peekTick(raw).tickNumber, ...error.rejection, raw });
    }
  }

  addReject(record: RejectRecord) {
    this.rejected.push({
      tickNumber: record.tickNumber === undefined ? undefined : BigInt(record.tickNumber),
      code: record.code,
      detail: record.detail,
      raw: Buffer.from(record.rawBase64, "base64"),
    });
  }

  finish(end: BatchEnd): Batch {
    const batch: Batch = {
      batchId: end.batchId,
      first: end.first === undefined ? undefined : BigInt(end.first),
      last: end.last === undefined ? undefined : BigInt(end.last),
      stored: this.stored,
      tables: this.tables,
      rejected: this.rejected,
      gaps: end.gaps.map((g) => ({ first: BigInt(g.first), last: BigInt(g.last), reason: g.reason })),
      chainBreaks: end.chainBreaks.map((c) => ({ tickNumber: BigInt(c.tickNumber), expected: c.expected, got: c.got })),
    };
    this.stored = [];
    this.rejected = [];
    this.tables = this.pool.pop() ?? newTickTables();
    return batch;
  }

  /** Takes back a written batch's table buffers for the next batches. */
  recycle(batch: Batch) {
    if (this.pool.length >= POOL_SETS || batch.tables.some((t) => t.bytes.length > TABLE_KEEP_BYTES)) return;
    for (const table of batch.tables) table.reset();
    this.pool.push(batch.tables);
  }
}

/** Splits a batch at a tick number, for finding the one tick the database refuses. */
export function splitBatch(batch: Batch): [Batch, Batch] {
  const { first, last } = batch;
  if (first === undefined || last === undefined || first === last) throw new Error("cannot split a batch of one tick");
  const mid = first + (last - first) / 2n;
  const left = (n: bigint | undefined) => n === undefined || n <= mid;
  const clip = (from: bigint, to: bigint) =>
    batch.gaps
      .filter((g) => g.last >= from && g.first <= to)
      .map((g) => ({ ...g, first: g.first < from ? from : g.first, last: g.last > to ? to : g.last }));
  return [
    {
      batchId: batch.batchId,
      tables: batch.tables,
      first,
      last: mid,
      stored: batch.stored.filter((s) => left(s.rows.tickNumber)),
      rejected: batch.rejected.filter((r) => left(r.tickNumber)),
      gaps: clip(first, mid),
      chainBreaks: batch.chainBreaks.filter((c) => left(c.tickNumber)),
    },
    {
      batchId: batch.batchId,
      tables: batch.tables,
      first: mid + 1n,
      last,
      stored: batch.stored.filter((s) => !left(s.rows.tickNumber)),
      rejected: batch.rejected.filter((r) => r.tickNumber !== undefined && !left(r.tickNumber)),
      gaps: clip(mid + 1n, last),
      chainBreaks: batch.chainBreaks.filter((c) => !left(c.tickNumber)),
    },
  ];
}
