// Reads just what stream ordering needs from a Tick's bytes, without decoding the rest: the tick
// number, the VDF output and the previous output (as raw bytes, compared without decoding), and
// the timestamp (to notice one that retention would drop at once).
import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";

export interface PeekedTick {
  tickNumber: bigint;
  /** Microseconds since the Unix epoch. */
  timestamp: bigint;
  output: Uint8Array;
  previousOutput: Uint8Array;
}

const EMPTY: Uint8Array = new Uint8Array(0);

/**
 * The wire type each peeked field must have. The generated decoder reads a field by its number
 * whatever its tag says and keeps the last occurrence, so a message that says a number twice, or
 * under another wire type, could be placed under one number here and stored under another.
 */
const PEEKED_TICK_FIELDS = new Map([
  [1, { name: "tick_number", wireType: WireType.Varint }],
  [2, { name: "vdf_proof", wireType: WireType.LengthDelimited }],
  [5, { name: "timestamp", wireType: WireType.Varint }],
  [6, { name: "previous_output", wireType: WireType.LengthDelimited }],
]);
const PEEKED_VDF_FIELDS = new Map([[2, { name: "vdf_proof.output", wireType: WireType.LengthDelimited }]]);

/**
 * Throws unless a peeked field comes once and with its wire type. `seen` has bit N set for each
 * peeked field N met so far (a bit mask: this runs for every tick); returns it updated.
 */
function checkField(peeked: Map<number, { name: string; wireType: WireType }>, seen: number, field: number, wireType: WireType): number {
  const expected = peeked.get(field);
  if (!expected) return seen;
  if (wireType !== expected.wireType)
    throw new Error(`field ${field} (${expected.name}) has wire type ${WireType[wireType]}, not ${WireType[expected.wireType]}`);
  if (seen & (1 << field)) throw new Error(`field ${field} (${expected.name}) appears twice`);
  return seen | (1 << field);
}

/** Throws when the bytes are not a Tick message, or one that can be read two ways. */
export function peekTick(bytes: Uint8Array): PeekedTick {
  const reader = new BinaryReader(bytes);
  let seen = 0;
  const tick: PeekedTick = { tickNumber: 0n, timestamp: 0n, output: EMPTY, previousOutput: EMPTY };
  while (reader.pos < reader.len) {
    const tag = readTag(reader, bytes);
    const field = tag >>> 3;
    const wireType = tag & 7;
    seen = checkField(PEEKED_TICK_FIELDS, seen, field, wireType);
    if (field === 1) tick.tickNumber = reader.uint64() as bigint;
    else if (field === 2) tick.output = peekVdfOutput(reader, bytes);
    else if (field === 5) tick.timestamp = reader.uint64() as bigint;
    else if (field === 6) tick.previousOutput = reader.bytes();
    else skip(reader, bytes, wireType, field);
  }
  if (reader.pos !== reader.len) throw new Error("truncated message");
  return tick;
}

/** The output of the VdfProof message at the reader's position, read in place; the reader ends after it. */
function peekVdfOutput(reader: BinaryReader, bytes: Uint8Array): Uint8Array {
  const length = reader.uint32();
  const end = reader.pos + length;
  if (end > reader.len) throw new RangeError("premature EOF");
  let seen = 0;
  let output = EMPTY;
  while (reader.pos < end) {
    const tag = readTag(reader, bytes);
    const field = tag >>> 3;
    const wireType = tag & 7;
    seen = checkField(PEEKED_VDF_FIELDS, seen, field, wireType);
    if (field === 2) output = reader.bytes();
    else skip(reader, bytes, wireType, field);
  }
  if (reader.pos !== end) throw new RangeError("premature EOF");
  return output;
}

/** BinaryReader.tag() of the reader over `bytes`, as one number (field << 3 | wire type), without an array per field. */
function readTag(reader: BinaryReader, bytes: Uint8Array): number {
  const start = reader.pos;
  const tag = reader.uint32();
  const length = reader.pos - start;
  if (length > 5 || (length === 5 && bytes[reader.pos - 1]! > 0x0f)) throw new Error("illegal tag: varint overflows uint32");
  if (tag >>> 3 <= 0 || (tag & 7) > 5) throw new Error(`illegal tag: field no ${tag >>> 3} wire type ${tag & 7}`);
  return tag;
}

/** BinaryReader.skip(), without the view of the skipped bytes it makes for every field. */
function skip(reader: BinaryReader, bytes: Uint8Array, wireType: number, field: number) {
  if (wireType === WireType.LengthDelimited) {
    const length = reader.uint32(); // read before pos, which it moves
    reader.pos += length;
  } else if (wireType === WireType.Varint) while (bytes[reader.pos++]! & 0x80);
  else if (wireType === WireType.Bit64) reader.pos += 8;
  else if (wireType === WireType.Bit32) reader.pos += 4;
  else reader.skip(wireType, field);
  if (reader.pos > reader.len) throw new RangeError("premature EOF");
}

/** peekTick, with the reason as a value when the bytes are not a Tick. */
export function peekOrError(bytes: Uint8Array): PeekedTick | Error {
  try {
    return peekTick(bytes);
  } catch (error) {
    return error as Error;
  }
}
