/**
 * Taking one refund token into the buyer's wallet so that a mint that does not answer loses nothing and
 * counts nothing twice. Each attempt is a wallet operation named after the refund (`refund:<id>:<n>`):
 * before trying, the last attempt is looked up. Completed: the refund was taken (perhaps by a receive
 * whose answer came late), with that operation's amounts. Still open: the mint has not answered; ask
 * later. Failed (the mint never carried it out): the next attempt. A receive that times out is left open
 * by the wallet (see `unansweredWindowMs`), so it is `pending`, not failed; only the mint's refusal (a
 * spent or bad token) is final.
 */

/** An operation as the wallet reports it (the parts read here). */
export interface IntakeOperation {
  state: "prepared" | "completed" | "failed";
  amount: number;
  fee: number;
}

export interface IntakeWallet {
  /** `amount`: what the wallet gained; `fee`: the mint's input fee (the token's face value less `amount`). */
  receive(token: string, opts?: { id?: string }): Promise<{ amount: number; fee?: number }>;
  /** The wallet's operation of that id; without it, each receive is a fresh attempt. */
  operation?(id: string): IntakeOperation | undefined;
}

export type Intake =
  | { state: "taken"; amount: number; fee: number }
  /** The mint has not answered an attempt yet (or was unreachable): try again later. */
  | { state: "pending"; error: string }
  | { state: "failed"; error: string };

/** Attempts per refund before it counts as failed (each one the mint verifiably did not carry out). */
const MAX_ATTEMPTS = 5;

/** Wallet error codes that say the mint did not (or not yet) decide: the token may still be good. */
const UNDECIDED = new Set(["mint-unreachable", "mint-error", "pending"]);

export async function takeRefund(wallet: IntakeWallet, refundId: string, token: string): Promise<Intake> {
  for (let n = 0; n < MAX_ATTEMPTS; n++) {
    const id = `refund:${refundId}:${n}`;
    const op = wallet.operation?.(id);
    if (op?.state === "completed") return { state: "taken", amount: op.amount, fee: op.fee };
    if (op?.state === "prepared")
      return { state: "pending", error: "the mint has not answered its receive yet" };
    if (op?.state === "failed") continue;
    try {
      const got = await wallet.receive(token, wallet.operation ? { id } : {});
      return { state: "taken", amount: got.amount, fee: got.fee ?? 0 };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const code = (error as { code?: unknown }).code;
      if (typeof code === "string" && UNDECIDED.has(code)) return { state: "pending", error: message };
      return { state: "failed", error: message };
    }
  }
  return { state: "failed", error: `the mint refused ${MAX_ATTEMPTS} attempts to take it in` };
}
