/**
 * The run's sub-calls as its trajectory records are written, folded by the same reader `pylon view` uses
 * (so the report's per-provider figures and the viewer's agree): answered, failed, by whom, and the needle.
 */
import { RunFold, type TrajectoryRecord } from "@pylon/rlm";

export class SubcallTally {
  readonly fold = new RunFold();

  constructor(private readonly gold: string) {}

  readonly onRecord = (record: TrajectoryRecord): void => {
    this.fold.add([record]);
  };

  get total(): number {
    return this.fold.totals.subcalls;
  }

  get answered(): number {
    return this.fold.totals.answered;
  }

  get failed(): number {
    return this.fold.totals.failed;
  }

  /** Answered replies that contain the gold. */
  get namingGold(): number {
    return this.fold.subcalls.filter((call) => call.ok && call.response.includes(this.gold)).length;
  }

  /** What the sub-call whose part held the needle replied (the first one, if retried). */
  get needlePartReply(): string | undefined {
    return this.fold.subcalls.find((call) => call.ok && call.prompt.includes(this.gold))?.response;
  }

  /** Answered sub-calls and their sats, of one provider. */
  provider(pubkey: string): { answered: number; sats: number } {
    const found = this.fold.providers.get(pubkey);
    return { answered: found?.answered ?? 0, sats: round(found?.sats ?? 0) };
  }
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
