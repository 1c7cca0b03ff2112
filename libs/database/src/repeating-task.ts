/**
 * Runs `round` every `intervalMs`, counted from the end of the last one, until stopped; stop()
 * waits for a round under way, so what it uses (a pool) may be closed after. A round handles its
 * own failures: it is background housekeeping, tried again next time.
 */
export class RepeatingTask {
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> = Promise.resolve();

  constructor(
    private readonly intervalMs: number,
    private readonly work: () => Promise<void>,
  ) {}

  start(): void {
    this.timer = setTimeout(() => {
      this.round = this.work().finally(() => this.timer && this.start());
    }, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.round;
  }
}
