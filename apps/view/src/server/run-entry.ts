/** One run's log kept folded: extended from where it stopped each time someone looks, and telling listeners. */
import type { FoldChange } from "./fold.js";
import { RunFold } from "./fold.js";
import { LogCursor } from "./log-cursor.js";

export type ChangeListener = (change: FoldChange) => void;

export class RunEntry {
  readonly fold: RunFold;
  private readonly cursor: LogCursor;
  private readonly listeners = new Set<ChangeListener>();
  /** The log's size when last looked at by the catalog. */
  size = 0;

  constructor(
    readonly id: string,
    readonly file: string,
    names?: (pubkey: string) => string | undefined,
  ) {
    this.fold = new RunFold(id, names);
    this.cursor = new LogCursor(file);
  }

  /** Reads what the log gained and folds it; listeners hear of anything new. */
  refresh(): FoldChange {
    const records = this.cursor.read();
    const change = this.fold.apply(records);
    if (records.length > 0) {
      for (const listener of this.listeners) listener(change);
    }
    return change;
  }

  listen(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get watched(): boolean {
    return this.listeners.size > 0;
  }

  close(): void {
    this.listeners.clear();
    this.cursor.close();
  }
}
