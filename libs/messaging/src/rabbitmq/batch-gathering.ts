/**
 * When a batch is cut: lingerMs after its first delivery arrived, or as soon as the prefetch
 * window is full (the broker sends no more until an ack, so waiting longer would gain nothing).
 */
export class BatchGathering {
  private firstArrivedAt = 0;
  private cutEarly: (() => void) | null = null;

  constructor(
    private readonly lingerMs: number,
    private readonly windowSize: number,
  ) {}

  /** A delivery joined the deliveries waiting for the next batch, which now number `waiting`. */
  arrived(waiting: number): void {
    if (waiting === 1) this.firstArrivedAt = performance.now();
    if (waiting >= this.windowSize) this.cutEarly?.();
  }

  async untilCut(waiting: number): Promise<void> {
    const left = this.firstArrivedAt + this.lingerMs - performance.now();
    if (left <= 0 || waiting >= this.windowSize) return;
    await new Promise<void>((resolve) => {
      const cut = (): void => {
        clearTimeout(timer);
        this.cutEarly = null;
        resolve();
      };
      const timer = setTimeout(cut, left);
      this.cutEarly = cut;
    });
  }
}
