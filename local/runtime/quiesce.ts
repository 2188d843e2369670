/**
 * "Everything due at this instant has run": the stack's work lives in one thread, and none of it
 * waits for real I/O (function containers and simulated clients reach the emulators through the
 * virtual network; their timers are on the virtual clock). So the instant is over when no
 * callback is runnable: microtasks and nextTicks are drained before an immediate runs, and
 * `process.getActiveResourcesInfo()` lists pending immediates and real I/O requests.
 * Persistent handles (listening servers, idle sockets, stdio, timers of outside clients) are
 * not work in progress.
 */
const BUSY =
  /^(Immediate|FSReq|FileHandle|GetAddrInfo|GetNameInfo|QueryWrap|ShutdownWrap|TCPConnectWrap|PipeConnectWrap|Zlib)/;

function busy(): boolean {
  return process.getActiveResourcesInfo().some((name) => BUSY.test(name));
}

/** Resolves once nothing runnable is left at the current instant; returns the rounds it took. */
export async function quiesce(): Promise<number> {
  let rounds = 0;
  for (;;) {
    rounds += 1;
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (!busy()) return rounds;
  }
}
