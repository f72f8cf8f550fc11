// Stream messages without a usable tick number, held until the next tick shows what they were.
// Such a message is most likely a tick the stream skips: the backfill finds the same bytes with
// GetTick and rejects them under that number. Held until then, it is not also rejected without a
// number: one message, one reject row.
import { MAX_TICK_BYTES } from "../source/continuum-client.ts";
import { sameBytes } from "./tick-order.ts";
import type { Dispatcher } from "./dispatcher.ts";

export interface UnreadableMessage {
  code: string;
  detail: string;
  bytes: Uint8Array;
}

export class UnreadableMessages {
  private held: UnreadableMessage[] = [];

  /** @param limit how many are held (what one backfill window fetches); the oldest goes beyond it or MAX_TICK_BYTES */
  constructor(
    private readonly dispatcher: Dispatcher,
    private readonly limit: number,
  ) {}

  get any(): boolean {
    return this.held.length > 0;
  }

  hold(message: UnreadableMessage): void | Promise<void> {
    this.held.push(message);
    const bytes = this.held.reduce((sum, m) => sum + m.bytes.byteLength, 0);
    if (this.held.length > this.limit || bytes > MAX_TICK_BYTES) {
      const { code, detail, bytes } = this.held.shift()!;
      return this.dispatcher.reject(undefined, code, detail, bytes);
    }
  }

  /** The held messages were not ticks the stream skipped: they are rejects without a number. */
  async rejectAll() {
    for (const { code, detail, bytes } of this.held.splice(0)) await this.dispatcher.reject(undefined, code, detail, bytes);
  }

  /** The held message with these bytes, taken out of the held ones. */
  take(bytes: Uint8Array): UnreadableMessage | undefined {
    const i = this.held.findIndex((m) => sameBytes(m.bytes, bytes));
    return i < 0 ? undefined : this.held.splice(i, 1)[0];
  }
}
