/**
 * Deposits on their way to tabs (docs/payments.md, Lazy tabs): jobs to a tab being opened or topped up wait
 * behind its deposit until the provider acknowledged the job carrying it (a node says `processing` only
 * once the payment is settled: the deposit is on the tab), or that job ended. A deposit made by a swap
 * holds a place in the opening window until then.
 */
import type { DepositTiming } from "./deposit-timing.js";
import type { OpeningWindow } from "./opening-window.js";
import { confirmDeposit, type TabLedger } from "./tab-ledger.js";

/** A deposit on its way to a tab. */
export interface Opening {
  done: Promise<void>;
  /** When it is expected to be confirmed, epoch ms. */
  confirmAt: number;
  /** Ends it once (`opened`: it opened a tab that was not open): waiting jobs go on. */
  finish(opened: boolean): void;
}

/** A tab's ledger, plus the deposit on its way, which others wait for. */
export interface Tab extends TabLedger {
  opening: Opening | undefined;
  /** Sats of the last deposit this run locked to it (a top-up grows from it). */
  lastDepositSats?: number;
}

export interface Openings {
  /** A deposit on its way to `provider`'s `tab`, expected in `etaMs` (holding a window place when `placed`). */
  start(tab: Tab, provider: string, placed: boolean, etaMs: number): Opening;
  /** What the job carrying it calls at its acknowledgement: the tab serves the jobs waiting for it. */
  accepted(tab: Tab, opening: Opening): () => void;
}

export function openings(
  window: OpeningWindow,
  timing: DepositTiming,
  /** `provider`'s tab became usable (or its deposit failed): selection looks at it again. */
  notify: (provider: string) => void,
): Openings {
  return {
    start: (tab, provider, placed, etaMs) => {
      let resolve!: () => void;
      let finished = false;
      const opening: Opening = {
        done: new Promise<void>((r) => {
          resolve = r;
        }),
        confirmAt: Date.now() + etaMs,
        finish: (opened) => {
          if (finished) return;
          finished = true;
          if (tab.opening === opening) tab.opening = undefined;
          if (placed) window.release(opened);
          notify(provider);
          resolve();
        },
      };
      tab.opening = opening;
      return opening;
    },
    accepted: (tab, opening) => {
      const opens = !tab.open;
      const sentAt = Date.now();
      return () => {
        timing.confirmed(Date.now() - sentAt);
        confirmDeposit(tab);
        opening.finish(opens);
      };
    },
  };
}
