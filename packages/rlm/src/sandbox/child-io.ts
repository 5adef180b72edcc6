/**
 * Blocking frame I/O for the REPL child, on two inherited pipe descriptors.
 *
 * Blocking reads are what make `llm_query(...)` an ordinary synchronous Python call: while a cell waits for the
 * host's answer the child has nothing else to do, so it simply blocks in read(2). This needs no stack switching
 * (JSPI), no AST rewriting, and works from lambdas, comprehensions, methods and callbacks alike.
 */
import fs from "node:fs";
import { encodeFrame, type Frame, type FrameLimits, parseHeader, readPrefix } from "./frames.js";

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

/** Sleeps the thread briefly; used only if a descriptor turns out to be non-blocking. */
function pause(ms: number): void {
  Atomics.wait(sleepCell, 0, 0, ms);
}

function isWouldBlock(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === "EAGAIN" || code === "EWOULDBLOCK";
}

export class EndOfStream extends Error {
  override name = "EndOfStream";
}

export class SyncFrameIO {
  private readonly prefix = Buffer.alloc(8);

  constructor(
    private readonly inFd: number,
    private readonly outFd: number,
    private readonly limits: FrameLimits,
  ) {}

  /** Blocks until a whole frame has arrived. Throws EndOfStream when the host closed its end. */
  read(): Frame {
    this.readExactly(this.prefix);
    const { headerBytes, payloadBytes } = readPrefix(this.prefix, this.limits);
    const header = Buffer.allocUnsafe(headerBytes);
    this.readExactly(header);
    // The payload is read straight into its final buffer: no intermediate copies of a large context.
    const payload = Buffer.allocUnsafe(payloadBytes);
    this.readExactly(payload);
    return { header: parseHeader(header), payload };
  }

  write(header: Record<string, unknown>, payload?: Uint8Array): void {
    for (const part of encodeFrame(header, payload)) this.writeAll(part);
  }

  private readExactly(target: Buffer): void {
    let offset = 0;
    while (offset < target.length) {
      let count: number;
      try {
        count = fs.readSync(this.inFd, target, offset, target.length - offset, null);
      } catch (error) {
        if (isWouldBlock(error)) {
          pause(1);
          continue;
        }
        throw error;
      }
      if (count === 0) throw new EndOfStream("the host closed the request channel");
      offset += count;
    }
  }

  private writeAll(data: Buffer): void {
    let offset = 0;
    while (offset < data.length) {
      try {
        offset += fs.writeSync(this.outFd, data, offset, data.length - offset);
      } catch (error) {
        if (isWouldBlock(error)) {
          pause(1);
          continue;
        }
        throw error;
      }
    }
  }
}
