// Reads a Tick's wire bytes in place: where each field's value lies, nothing decoded, nothing
// allocated per tick. It knows only the canonical form (each singular field at most once, with
// its own wire type; unknown fields of the scalar wire types skipped) and says false for anything
// else, which its caller hands to the generated decoder instead. The positions are in `wire`,
// overwritten by the next call.
import { WireType } from "@bufbuild/protobuf/wire";

/** Slots of `wire.t`: for a varint, where it starts (-1: absent, 0); for a string or bytes field, [start, end). */
export const F = {
  TICK_NUMBER: 0,
  TIMESTAMP: 1,
  PROOF_PRESENT: 2,
  INPUT_START: 3,
  INPUT_END: 4,
  OUTPUT_START: 5,
  OUTPUT_END: 6,
  PROOF_START: 7,
  PROOF_END: 8,
  ITERATIONS: 9,
  BATCH_HASH_START: 10,
  BATCH_HASH_END: 11,
  PREVIOUS_START: 12,
  PREVIOUS_END: 13,
} as const;
const TICK_SLOTS = 14;
const TICK_DEFAULTS = [-1, -1, 0, 0, 0, 0, 0, 0, 0, -1, 0, 0, 0, 0];

/** Slots of one transaction in `wire.txs` (TX_SLOTS per transaction), as for the tick. */
export const TX = {
  START: 0,
  END: 1,
  PRESENT: 2,
  ID_START: 3,
  ID_END: 4,
  PAYLOAD_START: 5,
  PAYLOAD_END: 6,
  SIGNATURE_START: 7,
  SIGNATURE_END: 8,
  PUBLIC_KEY_START: 9,
  PUBLIC_KEY_END: 10,
  NONCE: 11,
  CLIENT_TIMESTAMP: 12,
  SEQUENCE: 13,
  HASH_START: 14,
  HASH_END: 15,
  INGESTION_TIMESTAMP: 16,
} as const;
export const TX_SLOTS = 17;
const TX_DEFAULTS = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1, -1, -1, 0, 0, -1];

let pos = 0;
/** The last length-delimited field read: [start, end). */
let start = 0;
let end = 0;

export const wire = {
  t: new Int32Array(TICK_SLOTS),
  txs: new Int32Array(16 * TX_SLOTS),
  txCount: 0,
  /** The last varint read, as two 32-bit halves. */
  hi: 0,
  lo: 0,
  /** Reads the varint at `at` (-1: absent, read as 0) into hi and lo. */
  at(b: Uint8Array, at: number) {
    if (at < 0) wire.hi = wire.lo = 0;
    else {
      pos = at;
      varint(b, b.length);
    }
  },
};

/** Reads the varint at pos into wire.hi/lo; false when it runs past `limit` or beyond 64 bits. */
function varint(b: Uint8Array, limit: number): boolean {
  let lo = 0;
  let hi = 0;
  for (let shift = 0; shift < 28; shift += 7) {
    if (pos >= limit) return false;
    const byte = b[pos++]!;
    lo |= (byte & 0x7f) << shift;
    if (byte < 0x80) {
      wire.lo = lo >>> 0;
      wire.hi = 0;
      return true;
    }
  }
  if (pos >= limit) return false;
  let byte = b[pos++]!;
  lo |= (byte & 0x0f) << 28;
  hi = (byte & 0x7f) >> 4;
  for (let shift = 3; byte >= 0x80 && shift < 31; shift += 7) {
    if (pos >= limit) return false;
    byte = b[pos++]!;
    hi |= (byte & 0x7f) << shift;
  }
  if (byte >= 0x80) {
    if (pos >= limit) return false;
    byte = b[pos++]!;
    if (byte > 1) return false; // more than 64 bits: the generated decoder decides
    hi |= byte << 31;
  }
  wire.lo = lo >>> 0;
  wire.hi = hi >>> 0;
  return true;
}

/** Reads a length-delimited field's length at pos into [start, end) and moves past it. */
function delimited(b: Uint8Array, limit: number): boolean {
  if (!varint(b, limit) || wire.hi !== 0 || pos + wire.lo > limit) return false;
  start = pos;
  end = pos + wire.lo;
  pos = end;
  return true;
}

/** The next tag at pos: field number * 8 + wire type, or -1 when unreadable. */
function tag(b: Uint8Array, limit: number): number {
  if (!varint(b, limit) || wire.hi !== 0 || wire.lo < 8) return -1;
  return wire.lo;
}

function skip(b: Uint8Array, wireType: number, limit: number): boolean {
  if (wireType === WireType.Varint) return varint(b, limit);
  if (wireType === WireType.LengthDelimited) return delimited(b, limit);
  const size = wireType === WireType.Bit64 ? 8 : wireType === WireType.Bit32 ? 4 : -1; // groups and invalid types: not canonical
  if (size < 0 || pos + size > limit) return false;
  pos += size;
  return true;
}

/** How a message's fields are read, each array by field number (a field beyond them is skipped). */
interface Layout {
  /** The wire type of each known field; -1: not read, skipped. */
  types: number[];
  /** Where in `wire[out]` (from the message's base) a varint's position goes, or a string's [start, end); -1: nowhere. */
  slots: number[];
  /** The reader of a message field, given its [from, to) and the base. */
  nested: Array<((b: Uint8Array, from: number, to: number, base: number) => boolean) | undefined>;
  /** A bit per field that may come more than once (repeated). */
  repeated: number;
  out: "t" | "txs";
}

const TICK: Layout = {
  types: [
    -1,
    WireType.Varint,
    WireType.LengthDelimited,
    WireType.LengthDelimited,
    WireType.LengthDelimited,
    WireType.Varint,
    WireType.LengthDelimited,
  ],
  slots: [-1, F.TICK_NUMBER, -1, -1, F.BATCH_HASH_START, F.TIMESTAMP, F.PREVIOUS_START],
  nested: [undefined, undefined, readProof, readOrdered],
  repeated: 1 << 3,
  out: "t",
};
const VDF_PROOF: Layout = {
  types: [-1, WireType.LengthDelimited, WireType.LengthDelimited, WireType.LengthDelimited, WireType.Varint],
  slots: [-1, F.INPUT_START, F.OUTPUT_START, F.PROOF_START, F.ITERATIONS],
  nested: [],
  repeated: 0,
  out: "t",
};
const ORDERED_TRANSACTION: Layout = {
  types: [-1, WireType.LengthDelimited, WireType.Varint, WireType.LengthDelimited, WireType.Varint],
  slots: [-1, -1, TX.SEQUENCE, TX.HASH_START, TX.INGESTION_TIMESTAMP],
  nested: [undefined, readTransaction],
  repeated: 0,
  out: "txs",
};
const TRANSACTION: Layout = {
  types: [
    -1,
    WireType.LengthDelimited,
    WireType.LengthDelimited,
    WireType.LengthDelimited,
    WireType.LengthDelimited,
    WireType.Varint,
    WireType.Varint,
  ],
  slots: [-1, TX.ID_START, TX.PAYLOAD_START, TX.SIGNATURE_START, TX.PUBLIC_KEY_START, TX.NONCE, TX.CLIENT_TIMESTAMP],
  nested: [],
  repeated: 0,
  out: "txs",
};

/** Reads the message in [from, limit) by its layout; false when it is not in canonical form. */
function readMessage(b: Uint8Array, from: number, limit: number, layout: Layout, base: number): boolean {
  const out = wire[layout.out];
  let seen = 0;
  pos = from;
  while (pos < limit) {
    const key = tag(b, limit);
    if (key < 0) return false;
    const field = key >>> 3;
    const wireType = key & 7;
    const expected = field < layout.types.length ? layout.types[field]! : -1;
    if (expected < 0) {
      if (!skip(b, wireType, limit)) return false;
      continue;
    }
    const bit = 1 << field;
    if (wireType !== expected || (seen & bit & ~layout.repeated) !== 0) return false;
    seen |= bit;
    const slot = layout.slots[field]!;
    if (wireType === WireType.Varint) {
      out[base + slot] = pos;
      if (!varint(b, limit)) return false;
      continue;
    }
    if (!delimited(b, limit)) return false;
    const fieldStart = start;
    const fieldEnd = end;
    if (slot >= 0) {
      out[base + slot] = fieldStart;
      out[base + slot + 1] = fieldEnd;
    }
    const nested = layout.nested[field];
    if (nested) {
      if (!nested(b, fieldStart, fieldEnd, base)) return false;
      pos = fieldEnd;
    }
  }
  return true;
}

/** Reads the Tick in `b`; false when it is not in canonical form. */
export function readTick(b: Uint8Array): boolean {
  wire.t.set(TICK_DEFAULTS);
  wire.txCount = 0;
  return readMessage(b, 0, b.length, TICK, 0);
}

function readProof(b: Uint8Array, from: number, to: number): boolean {
  wire.t[F.PROOF_PRESENT] = 1;
  return readMessage(b, from, to, VDF_PROOF, 0);
}

/** One OrderedTransaction, and the Transaction in it, into the next TX_SLOTS of wire.txs. */
function readOrdered(b: Uint8Array, from: number, to: number): boolean {
  const x = wire.txCount * TX_SLOTS;
  if (x + TX_SLOTS > wire.txs.length) {
    const grown = new Int32Array(wire.txs.length * 2);
    grown.set(wire.txs);
    wire.txs = grown;
  }
  wire.txs.set(TX_DEFAULTS, x);
  wire.txs[x + TX.START] = from;
  wire.txs[x + TX.END] = to;
  wire.txCount++;
  return readMessage(b, from, to, ORDERED_TRANSACTION, x);
}

function readTransaction(b: Uint8Array, from: number, to: number, x: number): boolean {
  wire.txs[x + TX.PRESENT] = 1;
  return readMessage(b, from, to, TRANSACTION, x);
}
