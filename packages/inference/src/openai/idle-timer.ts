/** Fires `onTimeout` when `reset` is not called for `ms`. */
export class IdleTimer {
  fired = false;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly ms: number,
    private readonly onTimeout: () => void,
  ) {
    this.reset();
  }

  reset(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.fired = true;
      this.onTimeout();
    }, this.ms);
  }

  clear(): void {
    clearTimeout(this.timer);
  }
}
