/**
 * Length-prefixed frames between the host and the REPL child.
 *
 * Layout: [u32 header length][u32 payload length][header: UTF-8 JSON object][payload: raw bytes].
 * Small control data travels as JSON; bulk data (a 40 MB context, a batch of prompts) travels as raw bytes, so
 * it is never JSON-escaped, copied through a serializer, or re-encoded on the way.
 */

export const FRAME_PREFIX_BYTES = 8;

export interface Frame {
  header: Record<string, unknown>;
  payload: Buffer;
}

export interface FrameLimits {
  maxHeaderBytes: number;
  maxPayloadBytes: number;
}

export class FrameError extends Error {
  override name = "FrameError";
}

const EMPTY = Buffer.alloc(0);

/** Encodes a frame as two buffers, so a large payload is written as-is instead of being copied into one. */
export function encodeFrame(header: Record<string, unknown>, payload?: Uint8Array): [Buffer, Buffer] {
  const json = Buffer.from(JSON.stringify(header), "utf8");
  const body = payload ? Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength) : EMPTY;
  const head = Buffer.allocUnsafe(FRAME_PREFIX_BYTES + json.length);
  head.writeUInt32BE(json.length, 0);
  head.writeUInt32BE(body.length, 4);
  json.copy(head, FRAME_PREFIX_BYTES);
  return [head, body];
}

/** Parses and checks a frame prefix; throws on sizes beyond the limits (a corrupt or hostile stream). */
export function readPrefix(
  prefix: Buffer,
  limits: FrameLimits,
): { headerBytes: number; payloadBytes: number } {
  const headerBytes = prefix.readUInt32BE(0);
  const payloadBytes = prefix.readUInt32BE(4);
  if (headerBytes === 0 || headerBytes > limits.maxHeaderBytes) {
    throw new FrameError(`frame header of ${headerBytes} bytes is outside 1..${limits.maxHeaderBytes}`);
  }
  if (payloadBytes > limits.maxPayloadBytes) {
    throw new FrameError(`frame payload of ${payloadBytes} bytes exceeds ${limits.maxPayloadBytes}`);
  }
  return { headerBytes, payloadBytes };
}

export function parseHeader(bytes: Buffer): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString("utf8"));
  } catch {
    throw new FrameError("frame header is not valid JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new FrameError("frame header is not a JSON object");
  }
  return value as Record<string, unknown>;
}

/**
 * Incremental decoder for a byte stream of frames. Chunks are kept in a list and joined once per frame, so a
 * payload arriving in thousands of pipe-sized chunks costs one copy, not a quadratic series of them.
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private pending: { headerBytes: number; payloadBytes: number } | undefined;

  constructor(private readonly limits: FrameLimits) {}

  /** Adds bytes; returns every frame completed by them. Throws FrameError on a malformed stream. */
  push(chunk: Buffer): Frame[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames: Frame[] = [];
    for (;;) {
      if (!this.pending) {
        if (this.buffered < FRAME_PREFIX_BYTES) break;
        this.pending = readPrefix(this.take(FRAME_PREFIX_BYTES), this.limits);
      }
      const { headerBytes, payloadBytes } = this.pending;
      if (this.buffered < headerBytes + payloadBytes) break;
      this.pending = undefined;
      const header = parseHeader(this.take(headerBytes));
      const payload = payloadBytes > 0 ? this.take(payloadBytes) : EMPTY;
      frames.push({ header, payload });
    }
    return frames;
  }

  private take(bytes: number): Buffer {
    const first = this.chunks[0];
    if (first && first.length >= bytes) {
      // Common case: the bytes sit in the first chunk; slice without copying.
      const out = first.subarray(0, bytes);
      if (first.length === bytes) this.chunks.shift();
      else this.chunks[0] = first.subarray(bytes);
      this.buffered -= bytes;
      return out;
    }
    const joined = Buffer.concat(this.chunks, this.buffered);
    const out = joined.subarray(0, bytes);
    const rest = joined.subarray(bytes);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    return out;
  }
}
