/** Little-endian append-only buffer that grows as needed. */
export class ByteWriter {
  private bytes = new Uint8Array(4096);
  private view = new DataView(this.bytes.buffer);
  private length = 0;

  get size(): number {
    return this.length;
  }

  u32(value: number): void {
    this.reserve(4).setUint32(this.length - 4, value, true);
  }

  i32(value: number): void {
    this.reserve(4).setInt32(this.length - 4, value, true);
  }

  u64(value: number | bigint): void {
    this.reserve(8).setBigUint64(this.length - 8, BigInt(value), true);
  }

  f32(value: number): void {
    this.reserve(4).setFloat32(this.length - 4, value, true);
  }

  u16(value: number): void {
    this.reserve(2).setUint16(this.length - 2, value, true);
  }

  u8(value: number): void {
    this.reserve(1).setUint8(this.length - 1, value);
  }

  raw(data: Uint8Array): void {
    this.reserve(data.length);
    this.bytes.set(data, this.length - data.length);
  }

  /** GGUF string: uint64 byte length, then UTF-8 bytes without a terminator. */
  string(value: string): void {
    const encoded = new TextEncoder().encode(value);
    this.u64(encoded.length);
    this.raw(encoded);
  }

  /** Zero-pad up to the next multiple of `alignment`. */
  pad(alignment: number): void {
    const remainder = this.length % alignment;
    if (remainder !== 0) this.reserve(alignment - remainder); // new bytes are already zero
  }

  toBytes(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }

  /** Advances `length` by `count` bytes, growing the buffer first; returns the view for the caller's write. */
  private reserve(count: number): DataView {
    const needed = this.length + count;
    if (needed > this.bytes.length) {
      let capacity = this.bytes.length * 2;
      while (capacity < needed) capacity *= 2;
      const grown = new Uint8Array(capacity);
      grown.set(this.bytes.subarray(0, this.length));
      this.bytes = grown;
      this.view = new DataView(grown.buffer);
    }
    this.length = needed;
    return this.view;
  }
}
