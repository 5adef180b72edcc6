// Several paid provider nodes on real llama.cpp in one process (2 cores do not fit 16 processes of
// node-llama-cpp), each with its own key, data dir, announcement and backend; any of them may be a lab
// cheater (cheat-backend.ts). Config as JSON in argv[2] (LlamaChildSpec). IPC with the parent:
//   → { type: "ready", nodes: [{ label, pubkey }] }      once every node announced
//   ← { type: "snapshot" } → { type: "snapshot", nodes: NodeSnapshot[] }   books as they stand, cheap
//   ← { type: "report" }   → { type: "report", nodes: NodeSnapshot[] }     after redeeming what each holds
//   ← { type: "stop" }     graceful stop, then exit
// It exits when the parent goes away, so a crashed run leaves no node behind.
import { type Backend, createLlamaBackend } from "@pylon/inference";
import { quietLogger, type RunningProvider, startProvider } from "@pylon/provider";
import { PRICES } from "@pylon/testkit/market";
import { type Cheat, type CheatingBackend, cheatingBackend } from "./cheat-backend.js";
import { modelIdentityOf } from "./contract.js";

export interface LlamaNodeSpec {
  label: string;
  /** Kept across restarts: the node's key, tabs and held tokens. */
  dataDir: string;
  /** The GGUF it really runs (another one for the other-model cheater). */
  model: string;
  cheat?: Cheat;
  /** Seeds the cheat. */
  seed: number;
}

export interface LlamaChildSpec {
  relayUrl: string;
  mintUrl: string;
  /** The honest GGUF: its name and identity are what every node announces. */
  honestModel: string;
  modelName: string;
  slots: number;
  queue: number;
  nodes: LlamaNodeSpec[];
}

export interface NodeSnapshot {
  label: string;
  pubkey: string;
  jobs: number;
  cheated: number;
  earnings?: unknown;
  tabs?: {
    depositedMsats: number;
    balanceMsats: number;
    reservedMsats: number;
    chargedMsats: number;
    refundedMsats: number;
  };
  paymentRequired: number;
  /** A cheater's dishonest answers (texts). */
  cheatedTexts?: string[];
  error?: string;
}

const spec = JSON.parse(process.argv[2] ?? "{}") as LlamaChildSpec;
process.on("disconnect", () => process.exit(0));

const identity = await modelIdentityOf(spec.honestModel);
const running: Array<{ label: string; node: RunningProvider; backend: CheatingBackend }> = [];

async function startNode(n: LlamaNodeSpec): Promise<void> {
  const llama = await createLlamaBackend({
    model: n.model,
    modelName: spec.modelName,
    slots: spec.slots,
    maxQueue: spec.queue,
    threads: 1,
    gpu: false,
    contextSize: 512,
  });
  const honestIdentity = llama.identity ?? identity;
  // Honest nodes go through the same wrapper (cheat undefined → never cheats, counts jobs): one code path.
  const backend = n.cheat
    ? cheatingBackend(llama, { cheat: n.cheat, seed: n.seed, modelName: spec.modelName, identity })
    : honestWrapper(llama, honestIdentity);
  const node = await startProvider(
    {
      relays: [spec.relayUrl],
      // The announced file: a lying node names the honest GGUF whatever its backend really runs.
      model: spec.honestModel,
      modelName: spec.modelName,
      free: false,
      prices: { ...PRICES },
      allowedMints: [spec.mintUrl],
      slots: spec.slots,
      queue: spec.queue,
      threads: 1,
      gpu: false,
      dataDir: n.dataDir,
      name: `trust ${n.label}`,
      shutdownGraceSec: 0,
    },
    { backend, log: quietLogger, allowPrivateRequestRelays: true },
  );
  running.push({ label: n.label, node, backend });
}

/** An honest node's backend: the model as it is, its jobs counted. */
function honestWrapper(inner: Backend, id: typeof identity): CheatingBackend {
  let jobs = 0;
  return {
    kind: inner.kind,
    ...(id ? { identity: id } : {}),
    info: () => inner.info(),
    generate: (request, options) => {
      jobs++;
      return inner.generate(request, options);
    },
    close: () => inner.close(),
    counts: () => ({ jobs, cheated: 0 }),
    cheatedTexts: () => [],
  };
}

function snapshot(): NodeSnapshot[] {
  return running.map(({ label, node, backend }) => {
    const status = node.status();
    return {
      label,
      pubkey: node.pubkey,
      ...backend.counts(),
      ...(backend.cheatedTexts().length > 0 ? { cheatedTexts: backend.cheatedTexts() } : {}),
      earnings: status.earnings,
      ...(node.payments ? { tabs: node.payments.tabTotals() } : {}),
      paymentRequired: status.jobs.paymentRequired,
    };
  });
}

// One at a time: loading contexts side by side only contends for the same 2 cores.
for (const n of spec.nodes) await startNode(n);

process.on("message", (message: { type?: string }) => {
  if (message?.type === "snapshot") process.send?.({ type: "snapshot", nodes: snapshot() });
  else if (message?.type === "report") {
    void (async () => {
      for (const { node } of running) await node.payments?.redeemNow();
      process.send?.({ type: "report", nodes: snapshot() });
    })().catch((error) => process.send?.({ type: "report", nodes: [], error: String(error) }));
  } else if (message?.type === "stop") {
    void Promise.allSettled(running.map(({ node }) => node.stop())).finally(() => process.exit(0));
  }
});
process.send?.({ type: "ready", nodes: running.map(({ label, node }) => ({ label, pubkey: node.pubkey })) });
