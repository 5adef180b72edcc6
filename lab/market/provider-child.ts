// One paid provider node (testkit's scripted node at PRICES) in its own process, so the soak can SIGKILL
// it for real. Config comes as JSON in argv[2] (ProviderChildSpec); talks to the parent over IPC:
//   → { type: "ready", pubkey }      once announced
//   → { type: "generated" }          each time the backend starts a generation (unless reportGenerations: false)
//   ← { type: "report" }             → { type: "report", earnings, tabs, jobs } after redeeming what it holds
//   ← { type: "stop" }               graceful stop, then exit
// It exits on its own when the parent goes away, so a crashed soak leaves no node behind.
import { Cleanup } from "@pylon/testkit";
import { echoAnswer, scriptedNode } from "@pylon/testkit/market";
import { redeemAll } from "./settle.js";

export interface ProviderChildSpec {
  relayUrl: string;
  mintUrl: string;
  /** Kept across restarts: the node finds its tabs and held tokens again. */
  dataDir: string;
  slots: number;
  queue: number;
  latencyMs: number;
  name: string;
  reportGenerations?: boolean;
}

const spec = JSON.parse(process.argv[2] ?? "{}") as ProviderChildSpec;
process.on("disconnect", () => process.exit(0));

const cleanup = new Cleanup();
const { node } = await scriptedNode(cleanup, {
  relays: [spec.relayUrl],
  mintUrl: spec.mintUrl,
  slots: spec.slots,
  queue: spec.queue,
  latencyMs: spec.latencyMs,
  name: spec.name,
  // Told as the answer is made (after the scripted latency), so an answered job always counted first.
  responses: (request, callIndex) => {
    if (spec.reportGenerations !== false) process.send?.({ type: "generated" });
    return echoAnswer(request, callIndex);
  },
  config: { dataDir: spec.dataDir },
});

process.on("message", (message: { type?: string }) => {
  if (message?.type === "report") {
    void (async () => {
      await redeemAll(node, spec.dataDir);
      const status = node.status();
      process.send?.({
        type: "report",
        earnings: status.earnings,
        tabs: node.payments?.tabTotals(),
        jobs: status.jobs,
      });
    })().catch((error) => process.send?.({ type: "report", error: String(error) }));
  } else if (message?.type === "stop") {
    void cleanup.run().finally(() => process.exit(0));
  }
});
process.send?.({ type: "ready", pubkey: node.pubkey });
