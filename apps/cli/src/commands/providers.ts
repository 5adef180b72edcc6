import { listProviders, type ProviderSummary } from "@pylon/swarm";
import { Command } from "commander";
import * as nip19 from "nostr-tools/nip19";
import { collect, NETWORK_FLAG, parsePositiveInt, relaysFrom } from "../options.js";

/** A provider key as typed on the command line: npub or hex. */
function providerKey(value: string): string {
  if (/^[0-9a-f]{64}$/i.test(value)) return value.toLowerCase();
  const decoded = nip19.decode(value);
  if (decoded.type !== "npub") throw new Error(`"${value}" is not an npub or a hex public key`);
  return decoded.data;
}

interface ProvidersCliOptions {
  relay?: string[];
  network?: string;
  json?: boolean;
  all?: boolean;
  allow?: string[];
  block?: string[];
  timeout: number;
}

function line(p: ProviderSummary): string {
  const npub = nip19.npubEncode(p.pubkey);
  const models = p.models.map((m) => (m.context ? `${m.name} (${m.context} ctx)` : m.name)).join(", ") || "?";
  const price = p.price
    ? p.price.inputPer1k + p.price.outputPer1k + p.price.minimum === 0
      ? "free"
      : `${p.price.inputPer1k}/${p.price.outputPer1k} msat per 1k in/out, min ${p.price.minimum}`
    : "price ?";
  const capacity = p.capacity ? `${p.capacity.slots} slots + ${p.capacity.queue} queue` : "capacity ?";
  const load = p.load ? `load ${p.load.active}+${p.load.queued}` : "";
  const state = p.live ? "live" : p.status === "offline" ? "offline" : "stale";
  return [
    `${npub.slice(0, 16)}…  ${p.name}  [${state}, seen ${p.lastSeenSec} s ago]`,
    `    ${models}; ${price}; ${capacity}${load ? `; ${load}` : ""}; encryption ${p.encryption.join("/") || "none"}`,
  ].join("\n");
}

export function providersCommand(): Command {
  return new Command("providers")
    .description(
      "list the providers the relays announce (NIP-89, kind 5050): models, price, capacity, liveness",
    )
    .option("--relay <url>", "relay to read (repeat for several; env: PYLON_RELAYS)", collect)
    .option(...NETWORK_FLAG)
    .option("--json", "print JSON")
    .option("--all", "also list offline and stale providers")
    .option("--allow <npub>", "only this provider (repeatable)", collect)
    .option("--block <npub>", "never this provider (repeatable)", collect)
    .option("--timeout <ms>", "how long to wait for the relays", parsePositiveInt, 5_000)
    .action(async (opts: ProvidersCliOptions) => {
      const providers = await listProviders({
        relays: relaysFrom(opts.relay, opts.network),
        timeoutMs: opts.timeout,
        all: opts.all ?? false,
        ...(opts.allow ? { allow: opts.allow.map(providerKey) } : {}),
        ...(opts.block ? { block: opts.block.map(providerKey) } : {}),
        onRelayTrouble: (lines) => {
          for (const line of lines) console.error(`pylon: relay trouble: ${line}`);
        },
      });
      if (opts.json) {
        console.log(JSON.stringify(providers, null, 2));
        return;
      }
      if (providers.length === 0) console.log("no providers found");
      for (const provider of providers) console.log(line(provider));
    });
}
