/**
 * The REPL's only channel from Python to the host: a character device in the interpreter's file system.
 *
 * Python writes a request (bytes) and reads the reply (bytes); the JavaScript behind it lives in this module's
 * closures, registered with Emscripten's file system, so no Python object refers to any JavaScript function.
 * A request is "<kind>\n<json>"; the same device hands Python the bytes of a context the host staged.
 */

/** The part of Emscripten's FS this module uses (Pyodide exposes it as pyodide.FS). */
export interface EmscriptenFs {
  makedev(major: number, minor: number): number;
  registerDevice(dev: number, ops: object): void;
  mkdev(path: string, mode: number, dev: number): void;
}

/** Where Python finds the device (inside the interpreter's in-memory file system, not the host's). */
export const BRIDGE_DEVICE_PATH = "/dev/pylon-bridge";
const DEVICE_MAJOR = 64;

export interface BridgeDevice {
  /** Makes bytes readable by Python until the next request (used to hand over a context). */
  stage(bytes: Uint8Array): void;
}

export function installBridgeDevice(
  fs: EmscriptenFs,
  onRequest: (kind: string, request: Uint8Array) => Uint8Array,
): BridgeDevice {
  let pending: Uint8Array = new Uint8Array(0);
  let readAt = 0;
  const dev = fs.makedev(DEVICE_MAJOR, 0);
  fs.registerDevice(dev, {
    open() {},
    close() {},
    read(_stream: unknown, buffer: Uint8Array, offset: number, length: number): number {
      const count = Math.min(length, pending.byteLength - readAt);
      if (count <= 0) return 0;
      buffer.set(pending.subarray(readAt, readAt + count), offset);
      readAt += count;
      return count;
    },
    write(_stream: unknown, buffer: Uint8Array, offset: number, length: number): number {
      // Copy out of the interpreter's heap first: answering may grow (and so detach) that memory.
      const bytes = Uint8Array.prototype.slice.call(buffer, offset, offset + length) as Uint8Array;
      const newline = bytes.indexOf(10);
      const kind = newline < 0 ? "" : Buffer.from(bytes.subarray(0, newline)).toString("latin1");
      pending = onRequest(kind, bytes.subarray(newline + 1));
      readAt = 0;
      return length;
    },
  });
  fs.mkdev(BRIDGE_DEVICE_PATH, 0o600, dev);
  return {
    stage(bytes) {
      pending = bytes;
      readAt = 0;
    },
  };
}
