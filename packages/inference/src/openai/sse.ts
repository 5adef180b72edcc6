import { BackendError } from "../errors.js";

/** Refuse absurd events from a misbehaving server instead of buffering without bound. */
const MAX_EVENT_CHARS = 1 << 20;

/**
 * Yields the `data` payload of each server-sent event (text/event-stream): lines starting with "data:" are
 * joined with newlines and dispatched at a blank line; comments and other fields are ignored.
 */
export async function* readSseData(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffer = "";
  let data: string[] = [];
  let dataChars = 0;

  const reader = body.getReader();
  try {
    while (true) {
      const { done, value } = await reader.read();
      buffer += done ? decoder.decode() : decoder.decode(value, { stream: true });
      let newline = buffer.indexOf("\n");
      while (newline >= 0) {
        const line = buffer.slice(0, newline).replace(/\r$/, "");
        buffer = buffer.slice(newline + 1);
        newline = buffer.indexOf("\n");
        if (line === "") {
          if (data.length > 0) yield data.join("\n");
          data = [];
          dataChars = 0;
        } else if (line.startsWith("data:")) {
          const payload = line.slice(line.startsWith("data: ") ? 6 : 5);
          dataChars += payload.length;
          if (dataChars > MAX_EVENT_CHARS) throw new BackendError("upstream", "server-sent event too large");
          data.push(payload);
        }
      }
      if (buffer.length > MAX_EVENT_CHARS)
        throw new BackendError("upstream", "server-sent event line too long");
      if (done) break;
    }
    // Lenient where the spec is strict: a last event cut off before its blank line is still delivered.
    if (buffer.startsWith("data:"))
      data.push(buffer.slice(buffer.startsWith("data: ") ? 6 : 5).replace(/\r$/, ""));
    if (data.length > 0) yield data.join("\n");
  } finally {
    await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}
