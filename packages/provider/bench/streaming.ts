/**
 * Time to the first streamed text vs time to the whole answer (docs/protocol.md "Streaming"): a node on a
 * SCRIPTED model of --tokens 4-character tokens at --token-ms ms each, a buyer on the local relay asking with
 * `stream: true`, --runs runs one after another; medians printed. A quick measurement, not a target.
 *
 *   npx tsx packages/provider/bench/streaming.ts [--tokens 200] [--token-ms 10] [--runs 5]
 */
import { JobClient, RelayPool } from "@pylon/nostr";
import { Cleanup, tempDir } from "@pylon/testkit";
import { benchArgs } from "@pylon/testkit/bench";
import { startTestRelay } from "@pylon/testkit/market";
import { generateSecretKey } from "nostr-tools/pure";
import { quietLogger } from "../src/log.js";
import { startProvider } from "../src/provider.js";

const { values } = benchArgs({ tokens: 200, "token-ms": 10, runs: 5 });
const answer = "word".repeat(values.tokens);
const cleanup = new Cleanup();
try {
  const relay = await startTestRelay(cleanup);
  const node = await startProvider(
    {
      relays: [relay.url],
      model: { type: "scripted", reply: answer, tokenLatencyMs: values["token-ms"] },
      free: true,
      maxTokens: values.tokens + 16,
      dataDir: await tempDir(cleanup, "pylon-stream-bench-"),
    },
    { log: quietLogger, allowPrivateRequestRelays: true },
  );
  cleanup.add(() => node.stop());
  const pool = new RelayPool([relay.url]);
  cleanup.add(() => pool.close());
  const client = new JobClient(pool, generateSecretKey(), { timeoutMs: 60_000 });
  const first: number[] = [];
  const whole: number[] = [];
  const pieces: number[] = [];
  for (let run = 0; run < values.runs; run++) {
    const started = performance.now();
    let firstMs: number | undefined;
    let count = 0;
    const outcome = await client.submit(
      { prompt: "go", stream: true, provider: node.pubkey, encryption: "nip44" },
      {
        onPartial: () => {
          firstMs ??= performance.now() - started;
          count++;
        },
      },
    );
    if (outcome.output !== answer) throw new Error("the answer came back wrong");
    whole.push(performance.now() - started);
    first.push(firstMs ?? Number.NaN);
    pieces.push(count);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
  console.log(
    `${values.tokens} tokens at ${values["token-ms"]} ms/token, ${values.runs} runs (encrypted, local relay): ` +
      `first text p50 ${median(first).toFixed(0)} ms, whole answer p50 ${median(whole).toFixed(0)} ms, ` +
      `${median(pieces)} pieces (first: ${first.map((x) => x.toFixed(0)).join(", ")} ms)`,
  );
} finally {
  await cleanup.run();
}
