// Exact-length reads from a stream of byte chunks of any sizes (a file, stdin, a browser File's stream),
// holding no more than the bytes asked for plus one source chunk, and copying only reads that span chunks.

/**
 * Anything that yields bytes: Node streams, web ReadableStreams (async iterable), generators. A source may
 * write into a chunk's memory again once the chunk after next has been asked for (a ring of two buffers or
 * more): the reader never keeps a view into a chunk across two pulls.
 */
export type ByteSource = AsyncIterable<Uint8Array>;

export class ByteReader {
  private readonly source: AsyncIterator<Uint8Array>;
  /** Unread bytes: views into the newest source chunk, after at most one copied remainder of older ones. */
  private parts: Uint8Array[] = [];
  private available = 0;
  private ended = false;

  constructor(source: ByteSource) {
    this.source = source[Symbol.asyncIterator]();
  }

  /** True when at least `n` more bytes follow (read ahead, not consumed). */
  async has(n: number): Promise<boolean> {
    while (this.available < n && !this.ended) {
      const next = await this.source.next();
      if (next.done) {
        this.ended = true;
        break;
      }
      // What is left of older chunks (less than n bytes) is copied now, before the source reuses them.
      if (this.parts.length > 0) {
        const rest = this.copy(this.available);
        this.parts = [rest];
        this.available = rest.length;
      }
      this.parts.push(next.value);
      this.available += next.value.length;
    }
    return this.available >= n;
  }

  /**
   * The next `n` bytes, or fewer only when the source ends first. Copies only reads that span source chunks;
   * the result may be a view into a source chunk, valid until the next call.
   */
  async read(n: number): Promise<Uint8Array> {
    await this.has(n);
    const first = this.parts[0];
    if (first && first.length >= n) {
      this.consume(n);
      return first.subarray(0, n);
    }
    return this.copy(Math.min(n, this.available));
  }

  /** Stops the source early (closes a file, cancels a web stream). */
  async close(): Promise<void> {
    this.ended = true;
    this.parts = [];
    this.available = 0;
    await this.source.return?.();
  }

  /** The next `n` (≤ available) bytes, copied out and consumed. */
  private copy(n: number): Uint8Array {
    const out = new Uint8Array(n);
    let at = 0;
    for (const part of this.parts) {
      if (at === n) break;
      const piece = part.subarray(0, n - at);
      out.set(piece, at);
      at += piece.length;
    }
    this.consume(n);
    return out;
  }

  private consume(n: number): void {
    this.available -= n;
    let left = n;
    while (left > 0) {
      const part = this.parts[0]!;
      if (part.length > left) {
        this.parts[0] = part.subarray(left);
        return;
      }
      left -= part.length;
      this.parts.shift();
    }
  }
}
