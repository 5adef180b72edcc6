/** Counts the run's sub-calls from its trajectory records as they are written: answered, failed, by whom. */
import type { TrajectoryRecord } from "@pylon/rlm";

export class SubcallTally {
  total = 0;
  answered = 0;
  failed = 0;
  namingGold = 0;
  /** What the sub-call whose part held the needle replied (the first one, if retried). */
  needlePartReply: string | undefined;
  readonly byProvider = new Map<string, number>();

  constructor(private readonly gold: string) {}

  readonly onRecord = (record: TrajectoryRecord): void => {
    if (record.type !== "iteration") return;
    for (const call of record.subcalls) {
      this.total++;
      if (!call.ok) {
        this.failed++;
        continue;
      }
      this.answered++;
      if (this.needlePartReply === undefined && call.prompt.includes(this.gold))
        this.needlePartReply = call.response;
      if (call.response.includes(this.gold)) this.namingGold++;
      this.byProvider.set(call.provider, (this.byProvider.get(call.provider) ?? 0) + 1);
    }
  };
}
