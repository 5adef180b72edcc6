/**
 * Reads a trajectory log from where it last stopped, through @pylon/rlm's TrajectoryTail: whole new records
 * since the previous call, a torn last line left for the next one. A stretch that is not a log (a foreign
 * .jsonl file) yields nothing rather than an error: the viewer lists logs, it does not police files.
 */
import { type TrajectoryRecord, TrajectoryTail } from "@pylon/rlm";

export class LogCursor {
  private readonly tail: TrajectoryTail;
  /** Set once a stretch of the file failed to parse as records. */
  malformed = false;

  constructor(readonly file: string) {
    this.tail = new TrajectoryTail(file);
  }

  read(): TrajectoryRecord[] {
    try {
      return this.tail.read();
    } catch {
      this.malformed = true;
      return [];
    }
  }

  close(): void {
    this.tail.close();
  }
}
