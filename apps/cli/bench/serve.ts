/**
 * What `pylon serve` adds over a direct job, and what it sustains, on one machine: a local relay and four
 * free provider nodes serving a SCRIPTED backend (no model: this measures the server and the market
 * plumbing, not inference). The CLI's ModelService and the gateway's OpenAI server run in this process; the
 * official `openai` client asks them over HTTP.
 *
 * (a) Latency added: the same market/<model> request, one at a time, through the server and straight to a
 *     swarm of our own (`swarm.complete`), interleaved in one run; p50 and p99 of each, and of the pairs'
 *     differences.
 * (b) Requests/s the server sustains with `--concurrency` clients asking back to back for `--seconds`.
 *
 *   tsx apps/cli/bench/serve.ts [--requests 200] [--seconds 10] [--concurrency 32] [--json FILE]
 */
import { loadOrCreateToken, startOpenAIServer } from "@pylon/gateway";
import type { SubcallRequest } from "@pylon/rlm";
import { createSwarm } from "@pylon/swarm";
import { Cleanup, tempDir } from "@pylon/testkit";
import { benchArgs, machine, percentile, writeBenchJson } from "@pylon/testkit/bench";
import { MODEL, scriptedNode, startTestRelay } from "@pylon/testkit/market";
import OpenAI from "openai";
import { openModelService } from "../src/serve/service.js";

const { values, json } = benchArgs({ requests: 200, seconds: 10, concurrency: 32, providers: 4 });
const cleanup = new Cleanup();
const MAX_TOKENS = 32;
const stats = (ms: number[]) => ({ p50: round(percentile(ms, 0.5)), p99: round(percentile(ms, 0.99)) });
const round = (n: number) => Math.round(n * 100) / 100;

try {
  const relay = await startTestRelay(cleanup, { verifyThreads: undefined });
  for (let i = 0; i < values.providers; i++)
    await scriptedNode(cleanup, {
      relays: [relay.url],
      latencyMs: 5,
      slots: 16,
      queue: 16,
      name: `bench ${i}`,
    });
  const home = await tempDir(cleanup, "pylon-bench-serve-");
  const service = await openModelService({
    home,
    relays: [relay.url],
    providers: values.providers,
    root: { kind: "swarm" },
    sub: { kind: "swarm" },
    quiet: true,
    trust: { checks: false },
  });
  cleanup.add(() => service.close());
  const token = await loadOrCreateToken(`${home}/serve/token`);
  const server = await startOpenAIServer({
    service,
    port: 0,
    token,
    budgets: { perRequestSats: 100, perDaySats: 1_000_000 },
    maxConcurrent: Math.max(64, values.concurrency * 2),
  });
  cleanup.add(() => server.close());
  const client = new OpenAI({ baseURL: server.baseURL, apiKey: token, maxRetries: 0 });
  // The direct path: a swarm of our own, set up as the service's (no memo, no spot checks).
  const swarm = await createSwarm({ relays: [relay.url], memoise: false });
  cleanup.add(() => swarm.close());
  await swarm.directory.waitFor(values.providers);

  const viaServer = async (prompt: string): Promise<number> => {
    const started = performance.now();
    const reply = await client.chat.completions.create({
      model: `market/${MODEL}`,
      messages: [{ role: "user", content: prompt }],
      max_tokens: MAX_TOKENS,
    });
    if (!reply.choices[0]?.message.content) throw new Error("the server returned no answer");
    return performance.now() - started;
  };
  const direct = async (prompt: string): Promise<number> => {
    const request: SubcallRequest = {
      messages: [{ role: "user", content: prompt }],
      maxTokens: MAX_TOKENS,
      model: MODEL,
      depth: 1,
      runId: swarm.runId,
    };
    const started = performance.now();
    const [result] = await swarm.complete([request], new AbortController().signal);
    if (!result?.ok) throw new Error(`direct job failed: ${result?.error}`);
    return performance.now() - started;
  };

  // (a) Warm both paths up, then alternate which goes first so neither always meets a colder market.
  for (let i = 0; i < 10; i++) {
    await viaServer(`warm-up ${i}`);
    await direct(`warm-up direct ${i}`);
  }
  const serverMs: number[] = [];
  const directMs: number[] = [];
  for (let i = 0; i < values.requests; i++) {
    if (i % 2 === 0) {
      serverMs.push(await viaServer(`latency ${i}`));
      directMs.push(await direct(`latency direct ${i}`));
    } else {
      directMs.push(await direct(`latency direct ${i}`));
      serverMs.push(await viaServer(`latency ${i}`));
    }
  }
  const s = stats(serverMs);
  const d = stats(directMs);
  const overhead = {
    requests: values.requests,
    serverP50Ms: s.p50,
    serverP99Ms: s.p99,
    directP50Ms: d.p50,
    directP99Ms: d.p99,
    // Each pair's own difference (same moment, same market): less noisy than a difference of percentiles.
    ...((paired) => ({ addedP50Ms: paired.p50, addedP99Ms: paired.p99 }))(
      stats(serverMs.map((ms, i) => ms - directMs[i]!)),
    ),
  };
  console.log(
    `latency over ${values.requests} requests each: server p50 ${s.p50} ms, p99 ${s.p99} ms; direct p50 ${d.p50} ms, p99 ${d.p99} ms; added p50 ${overhead.addedP50Ms} ms, p99 ${overhead.addedP99Ms} ms`,
  );

  // The server alone: the same HTTP path in front of a service that answers at once (no market), so the
  // server's own cost shows apart from the market's noise.
  const instant = await startOpenAIServer({
    service: {
      models: async () => [{ id: "instant", created: 0, ownedBy: "bench" }],
      complete: async (request) => ({
        id: "instant",
        model: request.model,
        text: "ok",
        finishReason: "stop",
        usage: { promptTokens: 1, completionTokens: 1 },
        costSats: 0,
      }),
      close: async () => {},
    },
    port: 0,
    token,
    budgets: { perRequestSats: 100, perDaySats: 1_000_000 },
  });
  cleanup.add(() => instant.close());
  const instantClient = new OpenAI({ baseURL: instant.baseURL, apiKey: token, maxRetries: 0 });
  const aloneMs: number[] = [];
  for (let i = 0; i < values.requests + 10; i++) {
    const t0 = performance.now();
    await instantClient.chat.completions.create({
      model: "instant",
      messages: [{ role: "user", content: `${i}` }],
    });
    if (i >= 10) aloneMs.push(performance.now() - t0);
  }
  const alone = stats(aloneMs);
  console.log(`the server alone (an instant service): p50 ${alone.p50} ms, p99 ${alone.p99} ms`);

  // (b) `concurrency` clients back to back for `seconds`.
  const until = performance.now() + values.seconds * 1000;
  const latencies: number[] = [];
  let failed = 0;
  let n = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: values.concurrency }, async () => {
      while (performance.now() < until) {
        try {
          latencies.push(await viaServer(`load ${n++}`));
        } catch {
          failed++;
        }
      }
    }),
  );
  const wallSec = (performance.now() - started) / 1000;
  const l = stats(latencies);
  const throughput = {
    concurrency: values.concurrency,
    wallSec: round(wallSec),
    answered: latencies.length,
    failed,
    perSecond: round(latencies.length / wallSec),
    latencyP50Ms: l.p50,
    latencyP99Ms: l.p99,
  };
  console.log(
    `throughput: ${throughput.answered} answered, ${failed} failed in ${throughput.wallSec} s with ${values.concurrency} clients: ${throughput.perSecond} requests/s (p50 ${l.p50} ms, p99 ${l.p99} ms)`,
  );
  writeBenchJson(json, {
    benchmark: "cli/serve",
    date: new Date().toISOString(),
    machine: machine(),
    providers: values.providers,
    maxTokens: MAX_TOKENS,
    overhead: { ...overhead, serverAloneP50Ms: alone.p50, serverAloneP99Ms: alone.p99 },
    throughput,
  });
} finally {
  await cleanup.run();
}
