/**
 * The progress bar of `pylon run` on stderr. On a terminal it redraws one line in place; anywhere else
 * (a pipe, a log file, a test) it prints a plain status line every few seconds, and only when something
 * changed. It renders whatever `snapshot()` says: it counts nothing itself.
 */

/** What a run looks like right now. */
export interface RunProgress {
  elapsedMs: number;
  /** The root reply in progress (1-based); 0 before the first. */
  iteration: number;
  /** Sub-call slots handed to the backend, answered, and failed (a failed slot retried by code counts again). */
  subcalls: { dispatched: number; done: number; failed: number };
  /** Market only: jobs published, re-dispatched after a failure, hedged, answers read back after a crash. */
  jobs?: { sent: number; retried: number; hedged: number; recovered: number; memo: number };
  /** Providers that answered at least one slot; `live` (market only) is how many the directory lists. */
  providers: { used: number; live?: number };
  /** Sats held by the budget for slots in flight, sats the answered slots cost, sats locked in tab deposits. */
  sats: { reserved: number; spent: number; locked?: number };
}

export function renderProgress(p: RunProgress): string {
  const parts = [
    `${(p.elapsedMs / 1000).toFixed(1)}s`,
    `iteration ${p.iteration}`,
    `sub-calls ${p.subcalls.dispatched} dispatched, ${p.subcalls.done} done, ${p.subcalls.failed} failed`,
  ];
  if (p.jobs) {
    const { sent, retried, hedged, recovered, memo } = p.jobs;
    parts.push(
      `jobs ${sent} sent, ${retried} retried, ${hedged} hedged` +
        (recovered ? `, ${recovered} recovered` : "") +
        (memo ? `, ${memo} from memo` : ""),
    );
  }
  parts.push(
    p.providers.live === undefined
      ? `providers ${p.providers.used}`
      : `providers ${p.providers.used} used of ${p.providers.live} live`,
  );
  parts.push(
    `sats ${sats(p.sats.reserved)} reserved, ${sats(p.sats.spent)} spent` +
      (p.sats.locked === undefined ? "" : `, ${sats(p.sats.locked)} locked in tabs`),
  );
  return parts.join(" | ");
}

/** The same in about 75 characters, for a narrow terminal: the figures, with the fewest words. */
export function renderCompact(p: RunProgress): string {
  const parts = [
    `${(p.elapsedMs / 1000).toFixed(1)}s it${p.iteration}`,
    `${p.subcalls.done}/${p.subcalls.dispatched} ok ${p.subcalls.failed} fail`,
  ];
  if (p.jobs) parts.push(`jobs ${p.jobs.sent} r${p.jobs.retried} h${p.jobs.hedged}`);
  parts.push(`prov ${p.providers.used}${p.providers.live === undefined ? "" : `/${p.providers.live}`}`);
  parts.push(`${sats(p.sats.spent)} sat +${sats(p.sats.reserved)} held`);
  return parts.join(" | ");
}

/** Sats with up to 3 decimals (msat precision), no trailing zeros. */
export function sats(value: number): string {
  return String(Math.round(value * 1000) / 1000);
}

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressBarOptions {
  stream: ProgressStream;
  snapshot: () => RunProgress;
  /** Redraw in place (a terminal). Default: `stream.isTTY`. */
  tty?: boolean;
  /** Least time between two renders, ms. Default 100 on a terminal, 2,000 otherwise. */
  intervalMs?: number;
  /** Clock, for tests. */
  now?: () => number;
}

const CLEAR_LINE = "\r\x1b[2K";
const PREFIX = "pylon: ";

export class ProgressBar {
  readonly #stream: ProgressStream;
  readonly #snapshot: () => RunProgress;
  readonly #tty: boolean;
  readonly #intervalMs: number;
  readonly #now: () => number;
  #timer: ReturnType<typeof setInterval> | undefined;
  #lastAt = Number.NEGATIVE_INFINITY;
  #lastSnapshot: RunProgress | undefined;
  #lastState = "";
  /** A terminal line is on screen (must be cleared before other output). */
  #drawn = false;

  constructor(options: ProgressBarOptions) {
    this.#stream = options.stream;
    this.#snapshot = options.snapshot;
    this.#tty = options.tty ?? options.stream.isTTY === true;
    this.#intervalMs = options.intervalMs ?? (this.#tty ? 100 : 2_000);
    this.#now = options.now ?? Date.now;
  }

  /** Renders on a timer until stop(). */
  start(): this {
    this.#timer ??= setInterval(() => this.update(), this.#intervalMs);
    this.#timer.unref?.();
    return this;
  }

  /** Renders now if the last render is at least the interval old and the line changed (throttled). */
  update(): void {
    const now = this.#now();
    if (now - this.#lastAt < this.#intervalMs) return;
    this.#render(now, false);
  }

  /** Writes a whole line of other output (the bar is cleared first and redrawn after it on a terminal). */
  log(line: string): void {
    if (this.#tty && this.#drawn) this.#stream.write(CLEAR_LINE);
    this.#stream.write(`${line}\n`);
    this.#drawn = false;
    if (this.#tty && this.#lastSnapshot) this.#draw(this.#lastSnapshot);
  }

  /** Stops the timer and leaves the final state on its own line. */
  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#render(this.#now(), true);
    if (this.#tty && this.#drawn) this.#stream.write("\n");
    this.#drawn = false;
  }

  #render(now: number, final: boolean): void {
    const snapshot = this.#snapshot();
    const line = renderProgress(snapshot);
    // On a terminal the clock ticks; in a log the clock alone changing is not worth a line.
    const state = this.#tty ? line : renderProgress({ ...snapshot, elapsedMs: 0 });
    if (state === this.#lastState && !(final && this.#tty)) return;
    this.#lastAt = now;
    this.#lastState = state;
    this.#lastSnapshot = snapshot;
    if (this.#tty) this.#draw(snapshot);
    else this.#stream.write(`${PREFIX}${line}\n`);
  }

  #draw(snapshot: RunProgress): void {
    // A line wider than the terminal would wrap, and "\r" would then redraw only its last row.
    const width = this.#stream.columns ?? 0;
    let full = `${PREFIX}${renderProgress(snapshot)}`;
    if (width > 1 && full.length >= width) full = `${PREFIX}${renderCompact(snapshot)}`;
    const shown = width > 1 && full.length >= width ? `${full.slice(0, width - 2)}…` : full;
    this.#stream.write(`${CLEAR_LINE}${shown}`);
    this.#drawn = true;
  }
}
