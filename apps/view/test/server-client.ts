/** Plain HTTP against the viewer: raw responses (status, headers, body) and a server-sent-events reader. */
import { request } from "node:http";

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export function get(url: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, timeout: 10_000 }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        body += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("timeout", () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on("error", reject);
    req.end();
  });
}

export function bearer(token: string): Record<string, string> {
  return { Authorization: `Bearer ${token}` };
}

export interface SseEvent {
  event: string;
  data: unknown;
  at: number;
}

/** Opens an event stream and collects its events (with their arrival time) until close(). */
export function openEvents(url: string, headers: Record<string, string>) {
  const events: SseEvent[] = [];
  let status = 0;
  let close = () => {};
  const ready = new Promise<void>((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      status = res.statusCode ?? 0;
      res.setEncoding("utf8");
      let buffer = "";
      res.on("data", (chunk: string) => {
        buffer += chunk;
        for (let end = buffer.indexOf("\n\n"); end !== -1; end = buffer.indexOf("\n\n")) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let event = "message";
          const data: string[] = [];
          for (const line of block.split("\n")) {
            if (line.startsWith("event: ")) event = line.slice(7);
            else if (line.startsWith("data: ")) data.push(line.slice(6));
          }
          if (data.length > 0) events.push({ event, data: JSON.parse(data.join("\n")), at: Date.now() });
        }
      });
      resolve();
    });
    req.on("error", (error) => {
      if (!closed) reject(error);
    });
    let closed = false;
    close = () => {
      closed = true;
      req.destroy();
    };
    req.end();
  });
  return { events, ready, status: () => status, close: () => close() };
}
