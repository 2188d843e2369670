import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker } from 'node:worker_threads';

/**
 * A small worker pool for the simulation benchmarks: the bundled benchmark file is its own worker
 * (scripts/bench.mjs bundles it into one module), so `serve` runs in the workers and `runPool` in the
 * main thread. Jobs and results cross as structured clones.
 */
export const isWorker = !isMainThread;

/** `work` may return a promise (the health bench's replay awaits the product's assessHealth). */
export function serve<J, R>(work: (job: J) => R | Promise<R>): void {
  parentPort?.on('message', (job: J | null) => {
    if (job === null) process.exit(0);
    // A rejection is unhandled: it ends the worker with an 'error' event, which runPool rejects on.
    else void Promise.resolve(work(job)).then((result) => parentPort?.postMessage(result));
  });
}

export async function runPool<J, R>(
  moduleUrl: string,
  jobs: readonly J[],
  workers: number,
  onResult: (result: R, done: number) => void = () => {},
): Promise<R[]> {
  const queue = [...jobs];
  const results: R[] = [];
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(workers, jobs.length)) }, async () => {
      const worker = new Worker(fileURLToPath(moduleUrl));
      for (let job = queue.shift(); job !== undefined; job = queue.shift()) {
        const next = job;
        const result = await new Promise<R>((resolve, reject) => {
          worker.once('error', reject);
          worker.once('message', (r: R) => {
            worker.off('error', reject);
            resolve(r);
          });
          worker.postMessage(next);
        });
        results.push(result);
        onResult(result, results.length);
      }
      worker.postMessage(null);
    }),
  );
  return results;
}
