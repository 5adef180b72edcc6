/** NIP-11 relay information document, reflecting the limits actually enforced. */
import type { ResolvedOptions } from "./options.js";
import { RELAY_SOFTWARE, RELAY_VERSION } from "./version.js";

export const SUPPORTED_NIPS = [1, 9, 11, 13, 40, 42] as const;

export function relayInformation(options: ResolvedOptions): Record<string, unknown> {
  const { limits } = options;
  return {
    name: options.info.name,
    description: options.info.description,
    ...(options.info.pubkey !== undefined ? { pubkey: options.info.pubkey } : {}),
    ...(options.info.contact !== undefined ? { contact: options.info.contact } : {}),
    supported_nips: [...SUPPORTED_NIPS],
    software: RELAY_SOFTWARE,
    version: RELAY_VERSION,
    limitation: {
      max_message_length: limits.maxMessageBytes,
      max_subscriptions: limits.maxSubscriptions,
      max_filters: limits.maxFilters,
      max_limit: limits.maxLimit,
      default_limit: limits.defaultLimit,
      max_subid_length: limits.maxSubIdLength,
      max_event_tags: limits.maxEventTags,
      max_content_length: limits.maxEventBytes,
      min_pow_difficulty: limits.minPowDifficulty,
      auth_required: options.authRead || options.authWrite,
      payment_required: false,
      restricted_writes: options.authWrite || options.writers !== undefined,
      created_at_upper_limit: limits.maxFutureSeconds,
    },
  };
}
