/**
 * The offline market demo: a local relay, a generated tiny GGUF, K provider nodes serving it for free, and a
 * buyer that discovers them through their NIP-89 announcements and sends jobs (half NIP-44 encrypted) through
 * the real Nostr path. Everything it starts lives in one temp folder and stops before it returns.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeTinyGguf } from "@pylon/inference";
import { JobClient, type JobOutcome, RelayPool } from "@pylon/nostr";
import {
  announcementFilter,
  isProviderLive,
  type ProviderAnnouncement,
  parseAnnouncement,
} from "@pylon/protocol";
import { type RunningProvider, startProvider } from "@pylon/provider";
import { type RelayMetrics, type RunningRelay, startRelay } from "@pylon/relay";
import { generateSecretKey } from "nostr-tools/pure";

export interface DemoOptions {
  providers: number;
  jobs: number;
  maxTokens: number;
  /** Progress lines for people (stderr). */
  say: (line: string) => void;
}

export interface DemoJob {
  index: number;
  provider: string;
  encrypted: boolean;
  ok: boolean;
  latencyMs: number;
  output?: string;
  error?: string;
}

export interface DemoReport {
  relay: string;
  providers: { pubkey: string; npub: string; jobsServed: number; tokensGenerated: number }[];
  discovered: number;
  jobs: DemoJob[];
  answered: number;
  wallMs: number;
  relayMetrics: RelayMetrics;
}

const PROMPTS = ["Say hello.", "Name a colour.", "Count to three.", "Describe the sea.", "Write a haiku."];

export async function runMarketDemo(opts: DemoOptions): Promise<DemoReport> {
  const dir = await mkdtemp(join(tmpdir(), "pylon-demo-"));
  const stops: Array<() => Promise<unknown>> = [() => rm(dir, { recursive: true, force: true })];
  try {
    const relay: RunningRelay = await startRelay({ db: ":memory:" });
    stops.unshift(() => relay.close());
    opts.say(`relay        ${relay.url}`);

    const model = join(dir, "tiny.gguf");
    await writeTinyGguf(model);
    opts.say(`model        ${model} (generated tiny GGUF, random weights: the text is noise)`);

    const providers: RunningProvider[] = [];
    for (let i = 0; i < opts.providers; i++) {
      const node = await startProvider({
        relays: [relay.url],
        model,
        modelName: "tiny",
        free: true,
        slots: 4,
        threads: 1,
        gpu: false,
        maxTokens: opts.maxTokens,
        dataDir: join(dir, `provider-${i + 1}`),
        name: `demo provider ${i + 1}`,
      });
      providers.push(node);
      stops.unshift(() => node.stop());
      opts.say(`provider ${i + 1}   ${node.npub}`);
    }

    const pool = new RelayPool([relay.url]);
    stops.unshift(async () => pool.close());
    const found = await discover(pool, opts.providers);
    opts.say(`discovered   ${found.length} live provider(s) via NIP-89 announcements`);

    const client = new JobClient(pool, generateSecretKey());
    const started = Date.now();
    const jobs = await Promise.all(
      Array.from({ length: opts.jobs }, (_, index) => {
        const provider = found[index % found.length]!;
        return sendJob(client, provider, index, opts.maxTokens);
      }),
    );
    const wallMs = Date.now() - started;
    // Stopping first lets each node finish its bookkeeping, so the counters below are final.
    await Promise.all(providers.map((node) => node.stop()));

    const report: DemoReport = {
      relay: relay.url,
      providers: providers.map((p) => {
        const s = p.status();
        return {
          pubkey: p.pubkey,
          npub: p.npub,
          jobsServed: s.jobs.served,
          tokensGenerated: s.tokensGenerated,
        };
      }),
      discovered: found.length,
      jobs,
      answered: jobs.filter((j) => j.ok).length,
      wallMs,
      relayMetrics: relay.metrics(),
    };
    return report;
  } finally {
    for (const stop of stops) await stop().catch(() => undefined);
  }
}

/** Waits (bounded) until `expected` providers have announced themselves as live. */
async function discover(pool: RelayPool, expected: number): Promise<ProviderAnnouncement[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const now = Math.floor(Date.now() / 1000);
    const events = await pool.query([announcementFilter()], { timeoutMs: 2_000 });
    const live = events
      .map((event) => parseAnnouncement(event))
      .flatMap((parsed) =>
        parsed.ok && isProviderLive(parsed.announcement, now) ? [parsed.announcement] : [],
      );
    if (live.length >= expected || Date.now() > deadline) {
      if (live.length === 0) throw new Error("no provider announced itself on the relay within 10 s");
      return live;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function sendJob(
  client: JobClient,
  provider: ProviderAnnouncement,
  index: number,
  maxTokens: number,
): Promise<DemoJob> {
  const encrypted = index % 2 === 1;
  const started = Date.now();
  const base = { index, provider: provider.pubkey, encrypted };
  try {
    const outcome: JobOutcome = await client.submit(
      {
        prompt: PROMPTS[index % PROMPTS.length],
        provider: provider.pubkey,
        params: { model: "tiny", maxTokens, seed: index, temperature: 0.8 },
        ...(encrypted ? { encryption: "nip44" as const } : {}),
      },
      { timeoutMs: 60_000 },
    );
    return { ...base, ok: true, latencyMs: Date.now() - started, output: outcome.output };
  } catch (error) {
    return { ...base, ok: false, latencyMs: Date.now() - started, error: String(error) };
  }
}
