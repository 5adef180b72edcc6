/**
 * NIP-42 for one connection (one nostr-tools AbstractRelay): when the relay sends a challenge, answer it with a
 * kind-22242 event signed by the pool's key, and tell waiting publishes and subscriptions how it went.
 *
 * nostr-tools' own `onauth` is not used: when a relay refuses the AUTH it rethrows the refusal from a promise
 * nobody awaits, an unhandled rejection that would end the process. Instead the challenge field is observed
 * and `relay.auth()` is called here, where its outcome is handled.
 */
import type { AbstractRelay } from "nostr-tools/abstract-relay";
import type { VerifiedEvent } from "nostr-tools/core";
import { signEvent } from "./sign.js";

/** "none": no challenge (yet); "pending": our AUTH is on its way; then the relay's verdict. */
export type AuthState = "none" | "pending" | "accepted" | "refused";

/** How long a relay gets to answer our AUTH. */
const AUTH_TIMEOUT_MS = 5_000;

export class RelayAuth {
  #state: AuthState = "none";
  #refusal: string | undefined;
  readonly #waiters = new Set<(force?: boolean) => void>();

  constructor(
    private readonly relay: AbstractRelay,
    private readonly signer: Uint8Array | undefined,
    private readonly onRefused: (reason: string) => void,
  ) {
    let challenge: string | undefined;
    Object.defineProperty(relay, "challenge", {
      configurable: true,
      enumerable: true,
      get: () => challenge,
      set: (value: string | undefined) => {
        challenge = value;
        if (typeof value === "string" && value.length > 0) this.#answer();
      },
    });
  }

  get state(): AuthState {
    return this.#state;
  }

  /** The relay's words when it refused our AUTH. */
  get refusal(): string | undefined {
    return this.#refusal;
  }

  /**
   * Resolves with the state once it is no longer "pending" (or, with `awaitChallenge`, no longer "none"
   * either: after an `auth-required:` the relay owes us a challenge), or at the deadline (epoch ms).
   */
  settled(deadline: number, awaitChallenge = false): Promise<AuthState> {
    const done = (): boolean => this.#state !== "pending" && (!awaitChallenge || this.#state !== "none");
    if (done() || deadline <= Date.now()) return Promise.resolve(this.#state);
    return new Promise((resolve) => {
      const wake = (force = false): void => {
        if (!force && !done() && Date.now() < deadline) return;
        clearTimeout(timer);
        this.#waiters.delete(wake);
        resolve(this.#state);
      };
      const timer = setTimeout(wake, deadline - Date.now());
      this.#waiters.add(wake);
    });
  }

  /** Wakes waiters for good (the connection went down). */
  abandon(): void {
    for (const wake of [...this.#waiters]) wake(true);
  }

  #answer(): void {
    const key = this.signer;
    if (!key || this.#state === "pending") return;
    // A relay may send a fresh challenge on the same connection; nostr-tools keeps the first AUTH's promise,
    // so a second challenge after a verdict changes nothing here.
    if (this.#state !== "none") return;
    this.#set("pending");
    this.relay.publishTimeout = AUTH_TIMEOUT_MS;
    this.relay
      .auth(async (template) => signEvent(template, key) as VerifiedEvent)
      .then(
        () => this.#set("accepted"),
        (err: unknown) => {
          this.#refusal = err instanceof Error ? err.message : String(err);
          this.#set("refused");
          this.onRefused(this.#refusal);
        },
      );
  }

  #set(state: AuthState): void {
    this.#state = state;
    for (const wake of [...this.#waiters]) wake();
  }
}
