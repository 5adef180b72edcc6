/**
 * The market's models as the service lists them: one entry per model name that live, unblocked providers
 * announce, with how many serve it, the cheapest output price among them, and whether any streams.
 */
import type { ModelEntry } from "@pylon/gateway";
import { type ProviderAnnouncement, priceForModel } from "@pylon/protocol";
import type { Swarm } from "@pylon/swarm";

export const MARKET_PREFIX = "market/";

export interface MarketModel {
  name: string;
  providers: number;
  /** Cheapest live provider's price, msats per 1,000 output tokens; undefined when all are free. */
  priceMsatsPer1kOutput?: number;
  streaming: boolean;
  /** Unix seconds: the oldest announcement among its providers. */
  created: number;
}

/** Live providers' models by name; providers caught cheating this session are left out. */
export function marketModels(swarm: Swarm): Map<string, MarketModel> {
  const caught = new Set(swarm.trust().caught.map((provider) => provider.pubkey));
  const models = new Map<string, MarketModel>();
  for (const entry of swarm.directory.live()) {
    if (caught.has(entry.pubkey)) continue;
    const announcement = entry.announcement;
    for (const offer of announcement.models) {
      const price = priceForModel(announcement, offer.name);
      const known = models.get(offer.name);
      const output = price?.outputMsatsPer1k;
      const cheapest =
        known?.priceMsatsPer1kOutput === undefined
          ? output
          : output === undefined
            ? known.priceMsatsPer1kOutput
            : Math.min(known.priceMsatsPer1kOutput, output);
      models.set(offer.name, {
        name: offer.name,
        providers: (known?.providers ?? 0) + 1,
        ...(cheapest === undefined ? {} : { priceMsatsPer1kOutput: cheapest }),
        streaming: (known?.streaming ?? false) || streams(announcement, offer),
        created: Math.min(known?.created ?? Number.POSITIVE_INFINITY, announcement.createdAt),
      });
    }
  }
  return models;
}

/** As the ModelService lists them, sorted by name. */
export function marketEntries(models: Map<string, MarketModel>): ModelEntry[] {
  return [...models.values()]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((model) => ({
      id: `${MARKET_PREFIX}${model.name}`,
      created: model.created,
      ownedBy: "pylon-market",
      providers: model.providers,
      ...(model.priceMsatsPer1kOutput === undefined
        ? {}
        : { priceMsatsPer1kOutput: model.priceMsatsPer1kOutput }),
      streaming: model.streaming,
    }));
}

/**
 * Whether an announcement says it streams (NIP-90 `partial` feedback): read tolerantly, as a flag on the
 * announcement or on the model offer, since older providers say nothing (and do not stream).
 */
function streams(announcement: ProviderAnnouncement, offer: object): boolean {
  const flag = (value: object): boolean => (value as { streaming?: unknown }).streaming === true;
  return flag(announcement) || flag(offer);
}
