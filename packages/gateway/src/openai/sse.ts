/**
 * Server-sent events as OpenAI's clients parse them: `data: <json>\n\n` per chunk, `data: [DONE]` at the end,
 * and `: keep-alive` comments while nothing else is sent, so proxies keep a long RLM run's connection open.
 */
import type { ServerResponse } from "node:http";

export class SseStream {
  #started = false;

  constructor(private readonly res: ServerResponse) {}

  get started(): boolean {
    return this.#started;
  }

  /** Sends the 200 and the event-stream headers; the status can no longer change after this. */
  start(): void {
    if (this.#started || this.res.destroyed) return; // nobody to write to: the client went away
    this.#started = true;
    this.res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      connection: "keep-alive",
      // nginx and similar proxies buffer responses unless told not to.
      "x-accel-buffering": "no",
    });
    this.res.flushHeaders();
  }

  send(data: unknown): void {
    this.#write(`data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`);
  }

  comment(text: string): void {
    this.#write(`: ${text}\n\n`);
  }

  end(): void {
    if (!this.res.writableEnded) this.res.end();
  }

  #write(text: string): void {
    this.start();
    if (!this.res.writableEnded && !this.res.destroyed) this.res.write(text);
  }
}
