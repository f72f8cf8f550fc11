// Reads just what stream ordering needs from a Tick's bytes, without decoding the rest: the tick
// number, the VDF output and the previous output (as raw bytes, compared without decoding).
import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";

export interface PeekedTick {
  tickNumber: bigint;
  output: Uint8Array;
  previousOutput: Uint8Array;
}

const EMPTY: Uint8Array = new Uint8Array(0);

/** Throws when the bytes are not a Tick message. */
export function peekTick(bytes: Uint8Array): PeekedTick {
  const reader = new BinaryReader(bytes);
  const tick: PeekedTick = { tickNumber: 0n, output: EMPTY, previousOutput: EMPTY };
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === 1 && wireType === WireType.Varint) tick.tickNumber = reader.uint64() as bigint;
    else if (field === 2 && wireType === WireType.LengthDelimited) tick.output = peekVdfOutput(reader.bytes());
    else if (field === 6 && wireType === WireType.LengthDelimited) tick.previousOutput = reader.bytes();
    else reader.skip(wireType, field);
  }
  if (reader.pos !== reader.len) throw new Error("truncated message");
  return tick;
}

function peekVdfOutput(bytes: Uint8Array): Uint8Array {
  const reader = new BinaryReader(bytes);
  let output = EMPTY;
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === 2 && wireType === WireType.LengthDelimited) output = reader.bytes();
    else reader.skip(wireType, field);
  }
  return output;
}
