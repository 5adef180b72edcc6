/**
 * Load generator, run in a worker thread so the relay's thread does nothing but relay work.
 * Opens several connections, splits pre-serialised EVENT messages among them, keeps a window of
 * unacknowledged events in flight per connection, and reports when the last OK arrived (see LoadJob and
 * LoadResult in ingest.ts).
 *
 * Plain JavaScript: worker threads on Node 20 do not take tsx's loader, so a TypeScript worker would not load.
 */
import { parentPort, workerData } from "node:worker_threads";
import WebSocket from "ws";

/**
 * @param {string} url
 * @param {string[]} messages
 * @param {number} window
 */
async function runConnection(url, messages, window) {
  const ws = new WebSocket(url);
  await new Promise((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  let next = 0;
  let acked = 0;
  let accepted = 0;
  let refused = 0;
  /** @type {string | undefined} */
  let firstRefusal;
  return {
    start: () =>
      new Promise((resolve) => {
        ws.on("message", (data) => {
          const text = data.toString();
          if (!text.startsWith('["OK"')) return;
          const ok = JSON.parse(text);
          acked++;
          if (ok[2]) accepted++;
          else {
            refused++;
            firstRefusal ??= ok[3];
          }
          if (next < messages.length) ws.send(messages[next++]);
          if (acked === messages.length) {
            ws.close();
            resolve({ accepted, refused, ...(firstRefusal ? { firstRefusal } : {}) });
          }
        });
        while (next < Math.min(window, messages.length)) ws.send(messages[next++]);
      }),
  };
}

/** @param {{ url: string, messages: string[], connections: number, window: number }} job */
async function run(job) {
  /** @type {string[][]} */
  const shares = Array.from({ length: job.connections }, () => []);
  job.messages.forEach((m, i) => {
    shares[i % job.connections]?.push(m);
  });
  const connections = await Promise.all(shares.map((share) => runConnection(job.url, share, job.window)));
  const started = performance.now();
  const results = await Promise.all(connections.map((c) => c.start()));
  const elapsedMs = performance.now() - started;
  return {
    elapsedMs,
    accepted: results.reduce((n, r) => n + r.accepted, 0),
    refused: results.reduce((n, r) => n + r.refused, 0),
    ...(results.find((r) => r.firstRefusal)
      ? { firstRefusal: results.find((r) => r.firstRefusal)?.firstRefusal }
      : {}),
  };
}

run(workerData).then(
  (result) => parentPort?.postMessage(result),
  (err) => parentPort?.postMessage({ error: String(err) }),
);
