// Reads a Tick's wire bytes in place: where each field's value lies, nothing decoded, nothing
// allocated per tick. It knows only the canonical form (each singular field at most once, with
// its own wire type; unknown fields of the scalar wire types skipped) and says false for anything
// else, which its caller hands to the generated decoder instead. The positions are in `wire`,
// overwritten by the next call.

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

const VARINT = 0;
const I64 = 1;
const LEN = 2;
const I32 = 5;

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
  if (wireType === VARINT) return varint(b, limit);
  if (wireType === LEN) return delimited(b, limit);
  const size = wireType === I64 ? 8 : wireType === I32 ? 4 : -1; // groups and invalid types: not canonical
  if (size < 0 || pos + size > limit) return false;
  pos += size;
  return true;
}

/** A field met once per message: `seen` has bit `field` set after the first time. */
const once = (seen: number, field: number) => (seen & (1 << field)) === 0;

/** Reads the Tick in `b`; false when it is not in canonical form. */
export function readTick(b: Uint8Array): boolean {
  wire.t.set(TICK_DEFAULTS);
  wire.txCount = 0;
  const t = wire.t;
  const limit = b.length;
  let seen = 0;
  pos = 0;
  while (pos < limit) {
    const key = tag(b, limit);
    if (key < 0) return false;
    const field = key >>> 3;
    const wireType = key & 7;
    if (field >= 1 && field <= 6) {
      const expected = field === 1 || field === 5 ? VARINT : LEN;
      if (wireType !== expected || (field !== 3 && !once(seen, field))) return false;
      seen |= 1 << field;
    }
    if (field === 1) {
      t[F.TICK_NUMBER] = pos;
      if (!varint(b, limit)) return false;
    } else if (field === 5) {
      t[F.TIMESTAMP] = pos;
      if (!varint(b, limit)) return false;
    } else if (field === 2 || field === 3 || field === 4 || field === 6) {
      if (!delimited(b, limit)) return false;
      const from = start;
      const to = end;
      if (field === 4 || field === 6) {
        const slot = field === 4 ? F.BATCH_HASH_START : F.PREVIOUS_START;
        t[slot] = from;
        t[slot + 1] = to;
      } else if (!(field === 2 ? readProof(b, from, to) : readOrdered(b, from, to))) return false;
      pos = to;
    } else if (!skip(b, wireType, limit)) return false;
  }
  return true;
}

function readProof(b: Uint8Array, from: number, limit: number): boolean {
  const t = wire.t;
  t[F.PROOF_PRESENT] = 1;
  let seen = 0;
  pos = from;
  while (pos < limit) {
    const key = tag(b, limit);
    if (key < 0) return false;
    const field = key >>> 3;
    const wireType = key & 7;
    if (field >= 1 && field <= 4) {
      if (wireType !== (field === 4 ? VARINT : LEN) || !once(seen, field)) return false;
      seen |= 1 << field;
      if (field === 4) {
        t[F.ITERATIONS] = pos;
        if (!varint(b, limit)) return false;
        continue;
      }
      if (!delimited(b, limit)) return false;
      const slot = field === 1 ? F.INPUT_START : field === 2 ? F.OUTPUT_START : F.PROOF_START;
      t[slot] = start;
      t[slot + 1] = end;
    } else if (!skip(b, wireType, limit)) return false;
  }
  return true;
}

/** One OrderedTransaction, and the Transaction in it, into the next TX_SLOTS of wire.txs. */
function readOrdered(b: Uint8Array, from: number, limit: number): boolean {
  const x = wire.txCount * TX_SLOTS;
  if (x + TX_SLOTS > wire.txs.length) {
    const grown = new Int32Array(wire.txs.length * 2);
    grown.set(wire.txs);
    wire.txs = grown;
  }
  const txs = wire.txs;
  txs.set(TX_DEFAULTS, x);
  txs[x + TX.START] = from;
  txs[x + TX.END] = limit;
  wire.txCount++;
  let seen = 0;
  pos = from;
  while (pos < limit) {
    const key = tag(b, limit);
    if (key < 0) return false;
    const field = key >>> 3;
    const wireType = key & 7;
    if (field >= 1 && field <= 4) {
      if (wireType !== (field === 1 || field === 3 ? LEN : VARINT) || !once(seen, field)) return false;
      seen |= 1 << field;
      const slot = field === 2 ? TX.SEQUENCE : field === 4 ? TX.INGESTION_TIMESTAMP : -1;
      if (slot >= 0) {
        txs[x + slot] = pos;
        if (!varint(b, limit)) return false;
        continue;
      }
      if (!delimited(b, limit)) return false;
      if (field === 3) {
        txs[x + TX.HASH_START] = start;
        txs[x + TX.HASH_END] = end;
      } else {
        const after = end;
        if (!readTransaction(b, x, start, end)) return false;
        pos = after;
      }
    } else if (!skip(b, wireType, limit)) return false;
  }
  return true;
}

function readTransaction(b: Uint8Array, x: number, from: number, limit: number): boolean {
  const txs = wire.txs;
  txs[x + TX.PRESENT] = 1;
  let seen = 0;
  pos = from;
  while (pos < limit) {
    const key = tag(b, limit);
    if (key < 0) return false;
    const field = key >>> 3;
    const wireType = key & 7;
    if (field >= 1 && field <= 6) {
      if (wireType !== (field <= 4 ? LEN : VARINT) || !once(seen, field)) return false;
      seen |= 1 << field;
      if (field >= 5) {
        txs[x + (field === 5 ? TX.NONCE : TX.CLIENT_TIMESTAMP)] = pos;
        if (!varint(b, limit)) return false;
        continue;
      }
      if (!delimited(b, limit)) return false;
      const slot = TX.ID_START + 2 * (field - 1); // tx_id, payload, signature, public_key: pairs in field order
      txs[x + slot] = start;
      txs[x + slot + 1] = end;
    } else if (!skip(b, wireType, limit)) return false;
  }
  return true;
}
