/**
 * Notices a log growing: fs.watch for promptness, a short poll for file systems where watching is unreliable.
 * One watch per run however many viewers follow it; each wake-up just folds what is new (cheap when nothing).
 */
import { type FSWatcher, watch } from "node:fs";
import type { RunEntry } from "./run-entry.js";

const POLL_MS = 100;
const COALESCE_MS = 10;

interface Watch {
  users: number;
  stop(): void;
}

export class LogWatches {
  private readonly watches = new Map<string, Watch>();

  /** Keeps `entry` refreshed while the returned function has not been called. */
  follow(entry: RunEntry): () => void {
    let current = this.watches.get(entry.id);
    if (!current) {
      current = start(entry);
      this.watches.set(entry.id, current);
    }
    current.users++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const watch = this.watches.get(entry.id);
      if (watch && --watch.users === 0) {
        watch.stop();
        this.watches.delete(entry.id);
      }
    };
  }

  /** Runs being watched now. */
  get watching(): number {
    return this.watches.size;
  }

  closeAll(): void {
    for (const watch of this.watches.values()) watch.stop();
    this.watches.clear();
  }
}

function start(entry: RunEntry): Watch {
  let pending: NodeJS.Timeout | undefined;
  const refresh = (): void => {
    try {
      entry.refresh();
    } catch {
      // A log that vanished or cannot be read: nothing new, try again on the next tick.
    }
  };
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(entry.file, () => {
      pending ??= setTimeout(() => {
        pending = undefined;
        refresh();
      }, COALESCE_MS);
    });
    watcher.on("error", () => watcher?.close());
  } catch {
    watcher = undefined; // The poll alone then.
  }
  const poll = setInterval(refresh, POLL_MS);
  return {
    users: 0,
    stop() {
      clearInterval(poll);
      if (pending) clearTimeout(pending);
      watcher?.close();
    },
  };
}
