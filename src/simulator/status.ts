// The answers of GetTick, GetStatus and GetChainState. Ticks are embedded as the exact bytes the
// streams serve, so a faulty tick looks the same through every method.
import { create, toBinary } from "@bufbuild/protobuf";
import { GetChainStateResponseSchema, GetStatusResponseSchema, GetTickResponseSchema } from "../gen/continuum/sequencer/v1/sequencer_pb.ts";
import type { Chain } from "./chain.ts";
import type { ServedTicks } from "./served.ts";
import { LENGTH_DELIMITED, WireWriter, delimitedSize } from "./wire.ts";

export const DEFAULT_RECENT_TICKS = 10;
export const MAX_RECENT_TICKS = 1000;

/** A message's own fields followed by `field` repeated over already-encoded messages. */
function withEmbedded(encoded: Uint8Array, field: number, embedded: Uint8Array[]): Buffer {
  const size = embedded.reduce((sum, bytes) => sum + delimitedSize(bytes.length), encoded.length);
  const writer = new WireWriter(size).raw(encoded);
  for (const bytes of embedded) writer.tag(field, LENGTH_DELIMITED).bytes(bytes);
  return writer.finish();
}

/** Transactions in the ticks still in history, kept up to date as the window slides. */
export class HistoryTransactions {
  private from: bigint;
  private to: bigint;
  private total = 0;

  constructor(
    private readonly chain: Chain,
    private readonly served: ServedTicks,
  ) {
    this.from = chain.oldest();
    this.to = this.from - 1n;
  }

  count(): number {
    const oldest = this.chain.oldest();
    const head = this.chain.head();
    if (oldest > this.to) {
      this.from = oldest;
      this.to = oldest - 1n;
      this.total = 0;
    }
    for (; this.from < oldest; this.from++) this.total -= this.served.transactionCount(this.from);
    while (this.to < head) this.total += this.served.transactionCount(++this.to);
    return this.total;
  }
}

export class StatusAnswers {
  private readonly startedAt = performance.now();
  private readonly transactions: HistoryTransactions;

  constructor(
    private readonly chain: Chain,
    private readonly served: ServedTicks,
  ) {
    this.transactions = new HistoryTransactions(chain, served);
  }

  getTick(n: bigint): Uint8Array {
    if (!this.chain.inHistory(n)) return toBinary(GetTickResponseSchema, create(GetTickResponseSchema, { found: false }));
    return withEmbedded(toBinary(GetTickResponseSchema, create(GetTickResponseSchema, { found: true })), 1, [this.served.bytes(n)]);
  }

  getStatus(): Uint8Array {
    const uptime = (performance.now() - this.startedAt) / 1000;
    const total = this.transactions.count();
    return toBinary(
      GetStatusResponseSchema,
      create(GetStatusResponseSchema, {
        currentTick: this.chain.head(),
        totalTransactions: BigInt(total),
        pendingTransactions: 0n,
        uptimeSeconds: BigInt(Math.floor(uptime)),
        transactionsPerSecond: uptime > 0 ? total / uptime : 0,
      }),
    );
  }

  /** The latest ticks, newest first, and the tx_hash → tick of their transactions. */
  getChainState(tickLimit: number): Uint8Array {
    const limit = Math.min(tickLimit === 0 ? DEFAULT_RECENT_TICKS : tickLimit, MAX_RECENT_TICKS);
    const head = this.chain.head();
    const oldest = this.chain.oldest();
    const recent: bigint[] = [];
    for (let n = head; n >= oldest && recent.length < limit; n--) recent.push(n);
    const sample: Record<string, bigint> = {};
    for (const n of recent) {
      if (this.served.transactionCount(n) === 0) continue;
      for (const { txHash } of this.served.tick(n).transactions) sample[txHash] = n;
    }
    const state = create(GetChainStateResponseSchema, {
      chainHeight: head,
      totalTransactions: BigInt(this.transactions.count()),
      txToTickSample: sample,
    });
    return withEmbedded(
      toBinary(GetChainStateResponseSchema, state),
      3,
      recent.map((n) => this.served.bytes(n)),
    );
  }
}
