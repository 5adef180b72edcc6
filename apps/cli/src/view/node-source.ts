/**
 * The viewer's node page from a node's data dir (`pylon view --node DIR`, `pylon node --ui`): its jobs by
 * state, output tokens per second over time, earnings and tabs from its databases (read-only, so a running
 * node is not disturbed), and its identity and model from the status file `pylon node` writes beside them.
 */
import { existsSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import type { NodeStatus } from "@pylon/provider";
import type { NodeSnapshot } from "@pylon/view";

/** Fails at once when `dir` holds no node's job database (a mistyped path should say so, not show zeros). */
export async function nodeSource(dir: string): Promise<() => Promise<NodeSnapshot>> {
  const { readNodeActivity } = await import("@pylon/provider");
  if (!existsSync(join(dir, "provider.db")))
    throw new Error(
      `${dir} holds no node's job database (provider.db): pass the data dir of a \`pylon node\``,
    );
  const identity = await nodeIdentity(dir);
  return async () => {
    const activity = readNodeActivity(dir);
    const status = readStatus(dir);
    const jobs = activity?.jobs;
    return {
      name: identity.name,
      pubkey: identity.pubkey,
      model: status?.model ?? "",
      jobs: {
        running: jobs?.running ?? 0,
        queued: (jobs?.queued ?? 0) + (jobs?.received ?? 0),
        done: jobs?.done ?? 0,
        failed: (jobs?.failed ?? 0) + (jobs?.cancelled ?? 0),
      },
      tokensPerSecond: activity?.tokensPerSecond ?? [],
      earnings: { sats: Math.floor((activity?.chargedMsats ?? 0) / 1000), jobs: activity?.chargedJobs ?? 0 },
      tabs: (activity?.tabs ?? []).map((t) => ({
        buyer: t.buyer,
        balanceSats: t.balanceMsats / 1000,
        chargedSats: t.chargedMsats / 1000,
        openedAt: t.openedAt,
      })),
      at: Date.now(),
    };
  };
}

function readStatus(dir: string): NodeStatus | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, "node-status.json"), "utf8")) as NodeStatus;
  } catch {
    return undefined; // a node started by a library (or not yet reporting) writes none
  }
}

/** Its key from the status file, else from its key file (read, never created). */
async function nodeIdentity(dir: string): Promise<{ name: string; pubkey: string }> {
  const status = readStatus(dir);
  if (status?.pubkey) return { name: status.npub.slice(0, 16), pubkey: status.pubkey };
  const keyFile = join(dir, "provider.key");
  if (existsSync(keyFile)) {
    const { loadOrCreateKey } = await import("@pylon/nostr");
    const key = await loadOrCreateKey(keyFile);
    return { name: key.npub.slice(0, 16), pubkey: key.pubkey };
  }
  return { name: basename(dir), pubkey: "" };
}
