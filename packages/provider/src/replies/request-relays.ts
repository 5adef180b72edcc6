/**
 * Relays a buyer asked for replies on (the request's `relays` tag) beyond the node's own. NIP-90 says
 * to reply there, so buyers on other relays hear back. Each is a one-relay pool, kept for reuse and
 * closed when the least recently used one must make room.
 */
import { normaliseRelayUrl, type PublishResult, RelayPool } from "@pylon/nostr";
import type { NostrEvent } from "@pylon/protocol";

/** A request may not make the node dial more relays than this per reply. */
const MAX_PER_REQUEST = 4;
const MAX_POOLS = 16;

export class RequestRelays {
  readonly #own: ReadonlySet<string>;
  readonly #pools = new Map<string, RelayPool>();
  readonly #allowPrivate: boolean;
  readonly #signer: Uint8Array | undefined;

  /**
   * `allowPrivateHosts`: also dial loopback and private-network addresses. Off by default, so that a
   * stranger's request cannot make the node probe its own network. `signer`: the node's key, to answer those
   * relays' NIP-42 AUTH as its own relays are answered.
   */
  constructor(
    ownRelays: readonly string[],
    options: { allowPrivateHosts?: boolean; signer?: Uint8Array } = {},
  ) {
    this.#own = new Set(ownRelays.map(normaliseRelayUrl));
    this.#allowPrivate = options.allowPrivateHosts ?? false;
    this.#signer = options.signer;
  }

  /** The extra relays a request names that we would publish to. */
  extraFor(requested: readonly string[]): string[] {
    const extra: string[] = [];
    for (const raw of requested) {
      let url: string;
      try {
        url = normaliseRelayUrl(raw);
      } catch {
        continue;
      }
      if (this.#own.has(url) || extra.includes(url)) continue;
      if (!this.#allowPrivate && isPrivateHost(url)) continue;
      extra.push(url);
      if (extra.length === MAX_PER_REQUEST) break;
    }
    return extra;
  }

  async publish(event: NostrEvent, relays: readonly string[], timeoutMs: number): Promise<PublishResult[]> {
    const results = await Promise.all(
      relays.map((url) =>
        this.#pool(url)
          .publish(event, { timeoutMs })
          .then((answers) => answers[0]),
      ),
    );
    return results.filter((result): result is PublishResult => result !== undefined);
  }

  close(): void {
    for (const pool of this.#pools.values()) pool.close();
    this.#pools.clear();
  }

  #pool(url: string): RelayPool {
    const existing = this.#pools.get(url);
    if (existing) {
      this.#pools.delete(url); // re-insert: most recently used last
      this.#pools.set(url, existing);
      return existing;
    }
    const pool = new RelayPool([url], {
      connectTimeoutMs: 3_000,
      heartbeatMs: 0,
      ...(this.#signer ? { signer: this.#signer } : {}),
    });
    this.#pools.set(url, pool);
    if (this.#pools.size > MAX_POOLS) {
      const [oldestUrl, oldest] = this.#pools.entries().next().value as [string, RelayPool];
      this.#pools.delete(oldestUrl);
      oldest.close();
    }
    return pool;
  }
}

function isPrivateHost(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase().replace(/^\[|\]$/g, "");
  } catch {
    return true;
  }
  if (host === "localhost" || host.endsWith(".localhost") || host.endsWith(".local") || host === "::1")
    return true;
  if (/^(fc|fd|fe80)/.test(host) && host.includes(":")) return true;
  const octets = host.split(".").map(Number);
  if (octets.length !== 4 || octets.some((n) => !Number.isInteger(n))) return false;
  const [a = 0, b = 0] = octets;
  return (
    a === 10 ||
    a === 127 ||
    a === 0 ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 169 && b === 254)
  );
}
