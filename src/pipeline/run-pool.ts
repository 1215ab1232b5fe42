/** How many items a pool runs at once: fixed, or adapted while it runs. */
export type PoolSize = number | {
  readonly start: number;
  readonly max: number;
  /** Asked every `everyMs` with the number running: how many should run (the weight scheduler's answer). */
  readonly want: (running: number) => number;
  readonly everyMs?: number;
};

/**
 * Run `fn` over items, keeping the input order, with at most `size` in flight, or, for an adaptive size,
 * `start` at first and then what `want` says (within 1…max): a new item starts when the pool may grow,
 * and a finished one is not replaced while it should shrink. On an error no new item starts, items
 * already running finish (so a write in progress completes), then the first error is thrown.
 */
export async function mapPool<T, R>(items: readonly T[], size: PoolSize, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  const fixed = typeof size === 'number';
  const max = Math.max(1, Math.min(fixed ? size : size.max, items.length));
  let target = fixed ? max : Math.max(1, Math.min(size.start, max));
  let next = 0;
  let running = 0;
  let failure: { error: unknown } | undefined;
  let finish!: () => void;
  const done = new Promise<void>((resolve) => { finish = resolve; });

  const launch = () => {
    while (running < target && next < items.length && !failure) {
      running++;
      void work(next++);
    }
    if (running === 0) finish();
  };
  const work = async (i: number) => {
    try {
      out[i] = await fn(items[i]!);
    } catch (error) {
      failure ??= { error };
    }
    running--;
    launch();
  };
  const timer = fixed || items.length <= target ? undefined : setInterval(() => {
    target = Math.max(1, Math.min(max, size.want(running)));
    launch();
  }, size.everyMs ?? 250);
  timer?.unref();
  try {
    launch();
    await done;
  } finally {
    if (timer) clearInterval(timer);
  }
  if (failure) throw failure.error;
  return out;
}
