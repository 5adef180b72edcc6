/**
 * An HTTP proxy in front of a real mint that can hold one request: the wallet's call times out, and the
 * test then decides whether the mint ever sees it (`release`: a busy mint working through its queue after
 * the client gave up, its answer lost) or not (a request lost on the way). Everything else passes through.
 */
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import type { Cleanup } from "../cleanup.js";

export interface LateMint {
  url: string;
  /** Holds the next POST to `path` (e.g. "/v1/swap") unanswered. */
  hold(path: string): void;
  /** Resolves once a held request has arrived and its client gave up waiting. */
  abandoned(): Promise<void>;
  /** Sends the held request to the mint now; resolves with the mint's HTTP status (the answer goes nowhere). */
  release(): Promise<number>;
}

export async function startLateMint(cleanup: Cleanup, mintUrl: string): Promise<LateMint> {
  let armed: string | undefined;
  let held: { path: string; body: Buffer; gaveUp: Promise<void> } | undefined;
  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const path = req.url ?? "/";
      if (req.method === "POST" && path === armed) {
        armed = undefined;
        const gaveUp = new Promise<void>((resolve) => res.once("close", () => resolve()));
        held = { path, body, gaveUp };
        return;
      }
      const answer = await forward(mintUrl, req.method ?? "GET", path, body);
      res.writeHead(answer.status, { "content-type": answer.type });
      res.end(answer.body);
    })().catch((err: unknown) => {
      res.writeHead(502).end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanup.add(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  const { port } = server.address() as AddressInfo;
  const pending = (): NonNullable<typeof held> => {
    if (!held) throw new Error("no request is held");
    return held;
  };
  return {
    url: `http://127.0.0.1:${port}`,
    hold: (path) => {
      armed = path;
    },
    abandoned: async () => pending().gaveUp,
    release: async () => {
      const { path, body } = pending();
      held = undefined;
      return (await forward(mintUrl, "POST", path, body)).status;
    },
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function forward(
  mintUrl: string,
  method: string,
  path: string,
  body: Buffer,
): Promise<{ status: number; type: string; body: Buffer }> {
  const response = await fetch(new URL(path, mintUrl), {
    method,
    headers: { "content-type": "application/json" },
    ...(method === "GET" || method === "HEAD" ? {} : { body: body.toString("utf8") }),
    signal: AbortSignal.timeout(10_000),
  });
  return {
    status: response.status,
    type: response.headers.get("content-type") ?? "application/json",
    body: Buffer.from(await response.arrayBuffer()),
  };
}
