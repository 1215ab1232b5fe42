import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';

/** How busy the process was over the last interval, as fractions from 0 to 1. */
export interface Busy {
  /** Its JavaScript thread (event loop utilisation): parsing, cleaning and encoding all run there. */
  readonly mainThread: number;
  /** All its threads together (inflating, hashing, file I/O run on libuv's pool), of every core it may use. */
  readonly cores: number;
}

/** Above this, a thread counts as saturated: another store in flight would only wait for it, holding memory. */
export const SATURATED = 0.8;
/** Below this, the process mostly waits (on the network): the pool may double. */
export const WAITING = 0.4;

/**
 * How many stores should be in flight, from how busy the process was: twice as many while it mostly
 * waits (stores fetching over the network), one more while it has some room, as many as now once the
 * JavaScript thread or the cores are saturated (stores read from the cache: more at once would only
 * hold more columns in memory and run no faster).
 */
export function storesForCpu(running: number, busy: Busy): number {
  const load = Math.max(busy.mainThread, busy.cores);
  if (load >= SATURATED) return running;
  return load < WAITING ? Math.max(1, running) * 2 : running + 1;
}

/** The cores this process may run on (its CPU affinity). */
export function usableCores(): number {
  return Math.max(1, availableParallelism());
}

/** A gauge of the process's CPU: each call says how busy it was since the call before. */
export function cpuGauge(cores = usableCores()): () => Busy {
  let elu = performance.eventLoopUtilization();
  let cpu = process.cpuUsage();
  let at = performance.now();
  return () => {
    const mainThread = performance.eventLoopUtilization(elu).utilization;
    elu = performance.eventLoopUtilization();
    const used = process.cpuUsage(cpu);
    cpu = process.cpuUsage();
    const now = performance.now();
    const wallUs = (now - at) * 1000;
    at = now;
    return { mainThread, cores: wallUs > 0 ? (used.user + used.system) / (wallUs * cores) : 0 };
  };
}
