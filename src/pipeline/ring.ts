// A single-producer, single-consumer ring of variable-length records in shared memory, so the
// main thread hands tick bytes to a Worker without copying them through postMessage.
//
// Layout: a control Int32Array of CONTROL_SLOTS [write, read, closed, reader waiting, writer
// waiting] and a data area. A record is a 4-byte length,
// a 1-byte type and the body, padded to 4 bytes; a length of WRAP sends the reader back to 0.
// The writer never lets `write` catch up with `read`, so write == read always means empty.
// The writer starts again at 0 as soon as the ring is empty, or once it is past SOFT_LIMIT with room
// at the beginning: the data area is sized for the largest tick, but in steady state only about
// its first SOFT_LIMIT bytes are ever touched, so resident memory stays small.
// Atomics.notify is costly, so each side only calls it when the other says it is waiting, and the
// writer wakes a waiting reader only for records that complete something (see `wake`).

const WRITE = 0;
const READ = 1;
const CLOSED = 2;
const READER_WAITING = 3;
const WRITER_WAITING = 4;
const CONTROL_SLOTS = 5;
const HEADER = 5; // length (4) + type (1)
const WRAP = 0xffffffff;
const SOFT_LIMIT = 1 << 20;

const align = (n: number) => (n + 3) & ~3;

export interface RingBuffers {
  control: SharedArrayBuffer;
  data: SharedArrayBuffer;
}

export function createRing(capacity: number): RingBuffers {
  return { control: new SharedArrayBuffer(CONTROL_SLOTS * Int32Array.BYTES_PER_ELEMENT), data: new SharedArrayBuffer(align(capacity)) };
}

export class RingClosed extends Error {
  constructor() {
    super("ring closed");
  }
}

abstract class RingEnd {
  protected readonly control: Int32Array;
  protected readonly bytes: Uint8Array;
  protected readonly view: DataView;
  readonly capacity: number;

  constructor(buffers: RingBuffers) {
    this.control = new Int32Array(buffers.control);
    this.bytes = new Uint8Array(buffers.data);
    this.view = new DataView(buffers.data);
    this.capacity = buffers.data.byteLength;
  }

  get closed() {
    return Atomics.load(this.control, CLOSED) === 1;
  }
}

export class RingWriter extends RingEnd {
  /** The largest body that can ever fit. */
  get maxBody() {
    return this.capacity / 2 - HEADER - 4;
  }

  /**
   * Writes one record, waiting while the ring is full. With `wake` false a waiting reader is not
   * woken for this record alone: it is woken by the next record written with `wake`, or when the
   * ring fills up.
   */
  async write(type: number, body: Uint8Array, wake = true): Promise<void> {
    if (body.byteLength > this.maxBody) throw new RangeError(`record of ${body.byteLength} bytes exceeds ring limit ${this.maxBody}`);
    while (!this.tryWrite(type, body, wake)) {
      if (this.closed) throw new RingClosed();
      this.wakeReader();
      Atomics.store(this.control, WRITER_WAITING, 1);
      const read = Atomics.load(this.control, READ);
      const written = this.tryWrite(type, body, wake);
      if (!written) await Atomics.waitAsync(this.control, READ, read, 100).value;
      Atomics.store(this.control, WRITER_WAITING, 0);
      if (written) return;
    }
  }

  tryWrite(type: number, body: Uint8Array, wake = true): boolean {
    const need = align(HEADER + body.byteLength);
    const w = Atomics.load(this.control, WRITE);
    const r = Atomics.load(this.control, READ);
    let at: number;
    if (w === r && w > need)
      at = 0; // empty: start again at the beginning
    else if (w >= r && w >= SOFT_LIMIT && r > need) at = 0;
    else if (w >= r && this.capacity - w >= need && !(r === 0 && this.capacity - w === need)) at = w;
    else if (w >= r && r > need) at = 0;
    else if (w < r && r - w > need) at = w;
    else return false;
    if (at !== w && this.capacity - w >= 4) this.view.setUint32(w, WRAP, true);
    this.view.setUint32(at, body.byteLength, true);
    this.bytes[at + 4] = type;
    this.bytes.set(body, at + HEADER);
    const next = at + need;
    Atomics.store(this.control, WRITE, next === this.capacity ? 0 : next);
    if (wake) this.wakeReader();
    return true;
  }

  private wakeReader() {
    if (Atomics.load(this.control, READER_WAITING) === 1) Atomics.notify(this.control, WRITE);
  }

  close() {
    Atomics.store(this.control, CLOSED, 1);
    Atomics.notify(this.control, WRITE);
    Atomics.notify(this.control, READ);
  }
}

export interface RingRecord {
  type: number;
  /** A copy: the ring's memory is reused as soon as the record is read. */
  body: Uint8Array;
}

export class RingReader extends RingEnd {
  /** The next record, or undefined when the ring is empty. */
  tryRead(): RingRecord | undefined {
    let r = Atomics.load(this.control, READ);
    const w = Atomics.load(this.control, WRITE);
    if (r === w) return undefined;
    if (this.capacity - r < 4 || this.view.getUint32(r, true) === WRAP) r = 0;
    const length = this.view.getUint32(r, true);
    const record = { type: this.bytes[r + 4]!, body: this.bytes.slice(r + HEADER, r + HEADER + length) };
    const next = r + align(HEADER + length);
    Atomics.store(this.control, READ, next === this.capacity ? 0 : next);
    if (Atomics.load(this.control, WRITER_WAITING) === 1) Atomics.notify(this.control, READ);
    return record;
  }

  /** Waits until a record may be there or the ring is closed; returns false once closed and empty. */
  async waitForData(timeoutMs = 1000): Promise<boolean> {
    Atomics.store(this.control, READER_WAITING, 1);
    const w = Atomics.load(this.control, WRITE);
    if (w === Atomics.load(this.control, READ)) {
      if (this.closed) return false;
      await Atomics.waitAsync(this.control, WRITE, w, timeoutMs).value;
    }
    Atomics.store(this.control, READER_WAITING, 0);
    return true;
  }
}
