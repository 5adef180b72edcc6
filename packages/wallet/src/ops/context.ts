import type { Wallet as CashuWallet } from "@cashu/cashu-ts";
import type { P2PKKeyPair } from "../keys.js";
import type { Db } from "../store/db.js";
import type { OperationLog } from "../store/operations.js";
import type { ProofStore } from "../store/proofs.js";

/** What every operation needs: the stores, the mint sessions and the wallet's own P2PK key. */
export interface OpContext {
  db: Db;
  proofs: ProofStore;
  log: OperationLog;
  unit: string;
  key: P2PKKeyPair;
  mint(url: string): Promise<CashuWallet>;
  /** Operations this process is running right now: recovery must leave them alone. */
  inflight: Set<string>;
  /**
   * How long after an unanswered request (a timeout) the mint may still act on it: a busy mint works
   * through its queue after the client gave up. Until then unspent inputs prove nothing.
   */
  unansweredWindowMs: number;
  /** Operations left open after an unanswered request, by when to ask the mint again (ms epoch). */
  unanswered: Map<string, number>;
}
