// PostgreSQL's binary COPY format, written into one growable buffer per table: no text for the
// server to parse, bytea as its bytes. A table's data is COPY_HEADER, the rows, COPY_TRAILER; a
// row is its column count, then per column its length and bytes. uint64 values come as the two
// 32-bit halves of a protobuf varint and go out as numeric (base-10000 digits); microseconds since
// the Unix epoch go out as timestamptz (microseconds since 2000-01-01).

export const COPY_HEADER = new Uint8Array([0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]);
export const COPY_TRAILER = new Uint8Array([0xff, 0xff]);

/** Bytes a numeric column takes at most: length, 4 header words and 5 base-10000 digits (2^64 has 20 decimal digits). */
export const NUMERIC_MAX_BYTES = 4 + 8 + 10;
/** Bytes a timestamptz or an int4 column takes, length included. */
export const TIMESTAMP_BYTES = 4 + 8;
export const INT4_BYTES = 4 + 4;

const POSTGRES_EPOCH_MICROS = 946_684_800_000_000;
const TWO_32 = 4_294_967_296;
const EPOCH_HI = Math.floor(POSTGRES_EPOCH_MICROS / TWO_32);
const EPOCH_LO = POSTGRES_EPOCH_MICROS % TWO_32;

/** One table's rows in binary COPY form; `length` bytes of `bytes` are written. Reused after reset(). */
export class CopyBuffer {
  bytes: Uint8Array;
  private view: DataView;
  length = 0;

  constructor(capacity = 64 << 10) {
    this.bytes = new Uint8Array(capacity);
    this.view = new DataView(this.bytes.buffer);
  }

  /** Makes room for `n` more bytes: callers reserve a row's size once, then write without checks. */
  reserve(n: number) {
    const needed = this.length + n;
    if (needed <= this.bytes.length) return;
    let capacity = this.bytes.length * 2;
    while (capacity < needed) capacity *= 2;
    const grown = new Uint8Array(capacity);
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
    this.view = new DataView(grown.buffer);
  }

  reset() {
    this.length = 0;
  }

  int16(value: number) {
    this.view.setInt16(this.length, value);
    this.length += 2;
  }

  int32(value: number) {
    this.view.setInt32(this.length, value);
    this.length += 4;
  }

  /** A column of `src[start, end)` as it is: text (UTF-8) or bytea. */
  field(src: Uint8Array, start: number, end: number) {
    const n = end - start;
    this.int32(n);
    const bytes = this.bytes;
    let at = this.length;
    // A view per short field costs more than copying its bytes one by one.
    if (n > 128) bytes.set(src.subarray(start, end), at);
    else for (let i = start; i < end; i++) bytes[at++] = src[i]!;
    this.length += n;
  }

  int4Field(value: number) {
    this.int32(4);
    this.int32(value);
  }

  /** A uint64 (`hi` * 2^32 + `lo`) as numeric. */
  numericField(hi: number, lo: number) {
    let ndigits = 0;
    if (hi < 0x200000) {
      // Below 2^53: exact in a double.
      for (let v = hi * TWO_32 + lo; v > 0; v = Math.floor(v / 10000)) DIGITS[ndigits++] = v % 10000;
    } else {
      // Divide the value, as four 16-bit limbs, by 10000 until nothing is left: exact in doubles.
      let [l3, l2, l1, l0] = [hi >>> 16, hi & 0xffff, lo >>> 16, lo & 0xffff];
      while ((l3 | l2 | l1 | l0) !== 0) {
        let r = l3;
        l3 = Math.floor(r / 10000);
        r = (r % 10000) * 65536 + l2;
        l2 = Math.floor(r / 10000);
        r = (r % 10000) * 65536 + l1;
        l1 = Math.floor(r / 10000);
        r = (r % 10000) * 65536 + l0;
        l0 = Math.floor(r / 10000);
        DIGITS[ndigits++] = r % 10000;
      }
    }
    // DIGITS holds the least significant digit first; trailing zeros of the number are left out.
    let low = 0;
    while (low < ndigits && DIGITS[low] === 0) low++;
    const kept = ndigits - low;
    this.int32(8 + 2 * kept);
    this.int16(kept);
    this.int16(ndigits === 0 ? 0 : ndigits - 1); // weight: the first digit's power of 10000
    this.int16(0); // sign: positive
    this.int16(0); // dscale: no decimals
    for (let i = ndigits - 1; i >= low; i--) this.int16(DIGITS[i]!);
  }

  /** Microseconds since the Unix epoch (`hi` * 2^32 + `lo`, at most year 9999) as timestamptz. */
  timestampField(hi: number, lo: number) {
    let low = lo - EPOCH_LO;
    let borrow = 0;
    if (low < 0) {
      low += TWO_32;
      borrow = 1;
    }
    this.int32(8);
    this.view.setUint32(this.length, (hi - EPOCH_HI - borrow) >>> 0);
    this.view.setUint32(this.length + 4, low);
    this.length += 8;
  }
}

const DIGITS = new Uint16Array(5);
