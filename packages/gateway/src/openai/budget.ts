/**
 * The per-request and per-day sats budgets. Today's spend (UTC day) is kept in a JSON file, written
 * atomically (temp file + rename, mode 0600) after every request, so a restart does not hand out the day's
 * budget twice. Running requests hold their whole allowance until they finish, so concurrent requests
 * together never spend more than what is left of the day.
 */

import { mkdirSync } from "node:fs";
import { readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";

export interface Budgets {
  perRequestSats: number;
  perDaySats: number;
  ledgerFile?: string;
}

interface LedgerFile {
  day: string;
  spentSats: number;
}

const utcDay = (now = new Date()) => now.toISOString().slice(0, 10);

export class DayBudget {
  #day = utcDay();
  #spent = 0;
  #held = 0;
  #writes: Promise<void> = Promise.resolve();
  #queued: Promise<void> | undefined;

  private constructor(private readonly budgets: Budgets) {}

  /** Reads today's spend from the ledger file (a missing file is a fresh day; a corrupt one is refused). */
  static async open(budgets: Budgets): Promise<DayBudget> {
    for (const [name, value] of Object.entries({
      perRequestSats: budgets.perRequestSats,
      perDaySats: budgets.perDaySats,
    })) {
      if (!(Number.isFinite(value) && value >= 0))
        throw new Error(`budgets.${name} must be a number ≥ 0 (got ${value})`);
    }
    const budget = new DayBudget(budgets);
    const file = budgets.ledgerFile;
    if (file === undefined) return budget;
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return budget;
      throw error;
    }
    const saved = parseLedger(text);
    if (!saved)
      throw new Error(`budget ledger ${file} is not a {day, spentSats} JSON object; fix or delete it`);
    if (saved.day === budget.#day) budget.#spent = saved.spentSats;
    return budget;
  }

  /** Sats spent today (UTC), finished requests only. */
  get spentSats(): number {
    this.#rollOver();
    return this.#spent;
  }

  /**
   * Holds the allowance for one request: the lower of the per-request budget and what is left of today's
   * (after what running requests hold). Zero when nothing is left: the caller refuses the request (402).
   */
  hold(): number {
    this.#rollOver();
    const left = this.budgets.perDaySats - this.#spent - this.#held;
    const allowance = Math.max(0, Math.min(this.budgets.perRequestSats, left));
    this.#held += allowance;
    return allowance;
  }

  /** Ends a hold: the allowance is released and what the request cost is added to today's spend. */
  async settle(allowance: number, costSats: number): Promise<void> {
    this.#held = Math.max(0, this.#held - allowance);
    this.#rollOver();
    if (costSats > 0) this.#spent += costSats;
    await this.#save();
  }

  /** Waits for the ledger writes in flight. */
  flush(): Promise<void> {
    return this.#writes;
  }

  #rollOver(): void {
    const today = utcDay();
    if (today !== this.#day) {
      this.#day = today;
      this.#spent = 0;
    }
  }

  #save(): Promise<void> {
    const file = this.budgets.ledgerFile;
    if (file === undefined) return Promise.resolve();
    // At most one write waits behind the running one, and it writes the figures as they are when it starts:
    // it covers every settle that asked meanwhile, so busy servers do not queue a write per request.
    if (this.#queued) return this.#queued;
    const next = this.#writes.then(async () => {
      this.#queued = undefined;
      const temp = `${file}.${process.pid}.tmp`;
      const data: LedgerFile = { day: this.#day, spentSats: this.#spent };
      await writeFile(temp, `${JSON.stringify(data)}\n`, { mode: 0o600 });
      await rename(temp, file);
    });
    this.#queued = next;
    // One failed write (reported to its callers) must not stop the ones after it.
    this.#writes = next.catch(() => undefined);
    return next;
  }
}

function parseLedger(text: string): LedgerFile | undefined {
  try {
    const value = JSON.parse(text) as Partial<LedgerFile>;
    if (typeof value.day === "string" && typeof value.spentSats === "number" && value.spentSats >= 0) {
      return { day: value.day, spentSats: value.spentSats };
    }
  } catch {
    // reported below
  }
  return undefined;
}
