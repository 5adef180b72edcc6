import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * Test fixture standing in for a foreign API: a tiny HTTP server on 127.0.0.1 that speaks the OpenAI
 * chat-completions streaming format. Each request is answered by the next scripted handler (the last one
 * repeats), and everything the client sent is recorded.
 */
export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

export type FixtureHandler = (request: RecordedRequest, response: ServerResponse) => void | Promise<void>;

export interface OpenAIFixture {
  baseURL: string;
  requests: RecordedRequest[];
  /** Responses whose connection closed before the handler ended them (the client hung up). */
  hangups: number;
  reply(...handlers: FixtureHandler[]): void;
  close(): Promise<void>;
}

export async function startOpenAIFixture(): Promise<OpenAIFixture> {
  let handlers: FixtureHandler[] = [];
  const fixture = {
    baseURL: "",
    requests: [] as RecordedRequest[],
    hangups: 0,
    reply: (...next: FixtureHandler[]) => {
      handlers = next;
      fixture.requests.length = 0;
      fixture.hangups = 0;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  const server = createServer((req, res) => {
    let raw = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => {
      raw += chunk;
    });
    req.on("end", () => {
      const recorded: RecordedRequest = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: raw ? (JSON.parse(raw) as Record<string, unknown>) : {},
      };
      const index = fixture.requests.push(recorded) - 1;
      res.on("close", () => {
        if (!res.writableEnded) fixture.hangups++;
      });
      const handler = handlers[Math.min(index, handlers.length - 1)];
      if (!handler) {
        res.writeHead(500).end("no handler");
        return;
      }
      Promise.resolve(handler(recorded, res)).catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  fixture.baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  return fixture;
}

export function contentChunk(content: string, model = "fixture-model"): Record<string, unknown> {
  return {
    object: "chat.completion.chunk",
    model,
    choices: [{ index: 0, delta: { content }, finish_reason: null }],
  };
}

export function finishChunk(reason: string, model = "fixture-model"): Record<string, unknown> {
  return {
    object: "chat.completion.chunk",
    model,
    choices: [{ index: 0, delta: {}, finish_reason: reason }],
  };
}

export function usageChunk(prompt: number, completion: number): Record<string, unknown> {
  return {
    object: "chat.completion.chunk",
    choices: [],
    usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
  };
}

/** Streams events as `data:` lines, optionally spaced out, then `[DONE]` unless told otherwise. */
export async function sendSse(
  response: ServerResponse,
  events: Array<Record<string, unknown> | string>,
  options: { delayMs?: number; done?: boolean } = {},
): Promise<void> {
  response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  for (const event of events) {
    if (response.destroyed) return;
    response.write(`data: ${typeof event === "string" ? event : JSON.stringify(event)}\n\n`);
    if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
  }
  if (options.done ?? true) response.write("data: [DONE]\n\n");
  response.end();
}

export function sendJsonError(response: ServerResponse, status: number, message: string, headers = {}): void {
  response.writeHead(status, { "content-type": "application/json", ...headers });
  response.end(JSON.stringify({ error: { message, type: "invalid_request_error" } }));
}
