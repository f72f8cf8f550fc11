// gRPC's length-prefixed messages (a flag byte, a 4-byte big-endian length, the bytes) cut out of
// HTTP/2 DATA chunks as they come: a message may span chunks and a chunk may hold many. A message
// lying whole in one chunk is handed out as a view of it, without a copy; one that spans chunks is
// assembled into a buffer of its own size. Views are plain Uint8Arrays, not Buffers: a Buffer's
// subarray costs more than twice as much in Bun, here and in every reader of the message after.

const PREFIX_BYTES = 5;
const COMPRESSED_FLAG = 1;

/** A message's declared length is over the limit (told as soon as its prefix is in, as grpc-js does). */
export class MessageTooLarge extends Error {
  constructor(
    readonly length: number,
    readonly limit: number,
  ) {
    super(`Received message larger than max (${length} vs ${limit})`);
  }
}

export class GrpcDeframer {
  private readonly chunks: Uint8Array[] = [];
  /** Read position in chunks[0]. */
  private at = 0;
  /** Bytes pushed and not yet read. */
  private unread = 0;
  private readonly prefix = new Uint8Array(PREFIX_BYTES);
  private prefixFilled = 0;
  /** The message being assembled across chunks, once its prefix is in. */
  private body: Uint8Array | undefined;
  private bodyFilled = 0;
  private bodyCompressed = false;
  /** Whether the last message next() returned had the compressed flag set. */
  compressed = false;

  constructor(private readonly maxMessageBytes: number) {}

  push(chunk: Uint8Array) {
    if (chunk.length === 0) return;
    this.chunks.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    this.unread += chunk.length;
  }

  /** Whether bytes of an unfinished message (or unread whole ones) are held. */
  get holdsBytes(): boolean {
    return this.unread > 0 || this.prefixFilled > 0 || this.body !== undefined;
  }

  /** The next whole message, or undefined until more bytes arrive; throws MessageTooLarge. */
  next(): Uint8Array | undefined {
    while (this.chunks.length > 0) {
      const chunk = this.chunks[0]!;
      if (this.body === undefined && this.prefixFilled === 0 && chunk.length - this.at >= PREFIX_BYTES) {
        const length = this.lengthAt(chunk, this.at);
        const start = this.at + PREFIX_BYTES;
        if (chunk.length - start >= length) {
          this.compressed = (chunk[this.at]! & COMPRESSED_FLAG) !== 0;
          this.advance(chunk, start + length);
          return chunk.subarray(start, start + length);
        }
      }
      const message = this.body === undefined ? this.readPrefix(chunk) : this.fillBody(chunk);
      if (message) return message;
    }
    return undefined;
  }

  private readPrefix(chunk: Uint8Array): Uint8Array | undefined {
    const take = Math.min(PREFIX_BYTES - this.prefixFilled, chunk.length - this.at);
    this.prefix.set(chunk.subarray(this.at, this.at + take), this.prefixFilled);
    this.prefixFilled += take;
    this.advance(chunk, this.at + take);
    if (this.prefixFilled < PREFIX_BYTES) return undefined;
    this.prefixFilled = 0;
    this.bodyCompressed = (this.prefix[0]! & COMPRESSED_FLAG) !== 0;
    this.body = new Uint8Array(this.lengthAt(this.prefix, 0));
    this.bodyFilled = 0;
    return this.body.length === 0 ? this.takeBody() : undefined;
  }

  private fillBody(chunk: Uint8Array): Uint8Array | undefined {
    const body = this.body!;
    const take = Math.min(body.length - this.bodyFilled, chunk.length - this.at);
    body.set(chunk.subarray(this.at, this.at + take), this.bodyFilled);
    this.bodyFilled += take;
    this.advance(chunk, this.at + take);
    return this.bodyFilled === body.length ? this.takeBody() : undefined;
  }

  private takeBody(): Uint8Array {
    const body = this.body!;
    this.body = undefined;
    this.compressed = this.bodyCompressed;
    return body;
  }

  private lengthAt(bytes: Uint8Array, at: number): number {
    const length = ((bytes[at + 1]! << 24) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 8) | bytes[at + 4]!) >>> 0;
    if (length > this.maxMessageBytes) throw new MessageTooLarge(length, this.maxMessageBytes);
    return length;
  }

  private advance(chunk: Uint8Array, to: number) {
    this.unread -= to - this.at;
    if (to < chunk.length) {
      this.at = to;
      return;
    }
    this.chunks.shift();
    this.at = 0;
  }
}
