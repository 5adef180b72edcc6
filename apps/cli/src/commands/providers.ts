import { listProviders, type ProviderSummary } from "@pylon/swarm";
import { Command } from "commander";
import * as nip19 from "nostr-tools/nip19";
import { collect, dataDir, NETWORK_FLAG, parsePositiveInt, relaysFrom } from "../options.js";
import { openBookIfAny } from "../trust/book-file.js";
import { publicKeyArg } from "../trust/keys.js";
import { announcedDigest, type ProviderTrust, shortDigest, trustOf } from "../trust/provider-trust.js";

interface ProvidersCliOptions {
  relay?: string[];
  network?: string;
  json?: boolean;
  all?: boolean;
  allow?: string[];
  block?: string[];
  timeout: number;
}

function line(p: ProviderSummary & ProviderTrust): string {
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
  const trust = p.trust.blocked ? "BLOCKED" : `trust ${p.trust.score.toFixed(2)}`;
  return [
    `${npub.slice(0, 16)}…  ${p.name}  [${state}, seen ${p.lastSeenSec} s ago]  ${trust}  digest ${shortDigest(p.digest)}`,
    `    ${models}; ${price}; ${capacity}${load ? `; ${load}` : ""}; encryption ${p.encryption.join("/") || "none"}`,
  ].join("\n");
}

export function providersCommand(): Command {
  return new Command("providers")
    .description(
      "list the providers the relays announce (NIP-89, kind 5050): models, price, capacity, liveness, model digest, and your trust in each (pylon trust)",
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
        ...(opts.allow ? { allow: opts.allow.map((key) => publicKeyArg(key, "--allow")) } : {}),
        ...(opts.block ? { block: opts.block.map((key) => publicKeyArg(key, "--block")) } : {}),
        onRelayTrouble: (lines) => {
          for (const line of lines) console.error(`pylon: relay trouble: ${line}`);
        },
      });
      // Trust from this buyer's reputation book (a stranger: 0.5); the digest the provider announces.
      const book = openBookIfAny(dataDir());
      const shown = providers.map((p) => ({
        ...p,
        digest: announcedDigest(p),
        trust: trustOf(book, p.pubkey),
      }));
      book?.close();
      if (opts.json) {
        console.log(JSON.stringify(shown, null, 2));
        return;
      }
      if (providers.length === 0) console.log("no providers found");
      for (const provider of shown) console.log(line(provider));
    });
}
