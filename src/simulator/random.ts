// Keyed pseudo-random numbers: the same (seed, tick, purpose) always yields the same sequence, so a
// tick's content is a pure function of its number. Not cryptographic; it only has to look random
// and be fast (sfc32, seeded through a 32-bit finalizer).

const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"));
/** ASCII codes of HEX[byte] at 2*byte and 2*byte+1. */
const HEX_CODES = Uint8Array.from(HEX.flatMap((pair) => [pair.charCodeAt(0), pair.charCodeAt(1)]));

function mix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}

export class KeyedRandom {
  private a: number;
  private b: number;
  private c: number;
  private d = 1;

  constructor(seed: number, tick: bigint, purpose: number) {
    const low = Number(tick & 0xffff_ffffn);
    const high = Number((tick >> 32n) & 0xffff_ffffn);
    this.a = mix32(seed ^ 0x9e3779b9);
    this.b = mix32(low ^ mix32(purpose + 0x85ebca6b));
    this.c = mix32(high ^ 0xc2b2ae35 ^ this.a ^ Math.imul(purpose, 0x27d4eb2f));
    for (let round = 0; round < 12; round++) this.next();
  }

  /** A uint32. */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A number in [0, 1). */
  fraction(): number {
    return this.next() / 0x1_0000_0000;
  }

  /** A whole number in [0, bound). */
  below(bound: number): number {
    return Math.floor(this.fraction() * bound);
  }

  bytes(length: number): Uint8Array {
    const out = new Uint8Array(length);
    this.bytesInto(out, 0, length);
    return out;
  }

  /** The same bytes as bytes(length), written into target at offset; returns the end. */
  bytesInto(target: Uint8Array, offset: number, length: number): number {
    const end = offset + length;
    let at = offset;
    for (; at + 4 <= end; at += 4) {
      const word = this.next();
      target[at] = word;
      target[at + 1] = word >>> 8;
      target[at + 2] = word >>> 16;
      target[at + 3] = word >>> 24;
    }
    for (let word = this.next(); at < end; at++, word >>>= 8) target[at] = word;
    return end;
  }

  /** byteLength random bytes as lowercase hex (twice as many characters). */
  hex(byteLength: number): string {
    let out = "";
    for (let i = 0; i < byteLength; i += 4) {
      const word = this.next();
      out += HEX[word & 0xff]! + HEX[(word >>> 8) & 0xff]! + HEX[(word >>> 16) & 0xff]! + HEX[word >>> 24]!;
    }
    return out.slice(0, byteLength * 2);
  }

  /** The same characters as hex(byteLength), written as ASCII into target at offset; returns the end. */
  hexInto(target: Uint8Array, offset: number, byteLength: number): number {
    let at = offset;
    const end = offset + byteLength * 2;
    while (at < end) {
      let word = this.next();
      for (let i = 0; i < 4 && at < end; i++, word >>>= 8) {
        const code = (word & 0xff) << 1;
        target[at++] = HEX_CODES[code]!;
        target[at++] = HEX_CODES[code + 1]!;
      }
    }
    return end;
  }
}
