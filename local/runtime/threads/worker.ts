import { parentPort } from 'node:worker_threads';
import { seededRandom } from '../../emulators/common/random';
import type { VirtualRequest, VirtualResponse } from '../net/exchange';
import { VirtualNetwork } from '../net/network';
import { quiesce } from '../quiesce';
import { Bundle, ContainerExit } from '../sandbox/container';
import type { Agenda } from '../sandbox/ports';
import type { VirtualTimers } from '../sandbox/timers';
import { asBuffer, type Batch, type ContextFields, type Delivery, type Output } from './protocol';

/**
 * A thread of function containers. It runs only when the stack hands it a batch (responses,
 * timer fires, invocations), runs until nothing is left to run, and answers with everything its
 * containers did meanwhile (requests, timers, logs, results). What it does depends only on the
 * batches it gets, so a run replays from its seed whatever the threads' timing.
 */
const port = parentPort;
if (!port) throw new Error('container-worker runs as a worker thread');

let now = 0;
let outputs: Output[] = [];
const emit = (o: Output) => outputs.push(o);
const hosts = new Set<string>();
const bundles = new Map<string, Bundle>();
type Container = {
  handler: (event: unknown, context: object) => unknown;
  timers: VirtualTimers | undefined;
  dead: boolean;
};
const containers = new Map<string, Container>();
const timers = new Map<number, () => unknown>();
const requests = new Map<number, { resolve: (r: VirtualResponse) => void; reject: (e: Error) => void }>();
let ids = 0;

const agenda: Agenda = {
  at(time, label, run, options = {}) {
    const id = ++ids;
    timers.set(id, run);
    emit({ t: 'timer', id, time, label, source: options.source, weak: options.weak === true });
    return {
      time,
      cancel: () => {
        if (timers.delete(id)) emit({ t: 'cancel', id });
      },
    };
  },
};

class ThreadNetwork extends VirtualNetwork {
  override has(host: string): boolean {
    return hosts.has(host);
  }
  override send(request: VirtualRequest): Promise<VirtualResponse> {
    return new Promise((resolve, reject) => {
      const id = ++ids;
      requests.set(id, { resolve, reject });
      emit({ t: 'http', id, request });
    });
  }
}
const network = new ThreadNetwork();

function kill(name: string, container: Container): void {
  if (container.dead) return;
  container.dead = true;
  container.timers?.cancelAll();
  containers.delete(name);
}

function spawn(d: Extract<Delivery, { t: 'spawn' }>): void {
  let bundle = bundles.get(d.file);
  if (!bundle) {
    bundle = new Bundle(d.file);
    bundles.set(d.file, bundle);
  }
  const container: Container = { handler: () => undefined, timers: undefined, dead: false };
  containers.set(d.container, container);
  try {
    const { exports, timers: containerTimers } = bundle.load({
      id: d.container,
      env: d.env,
      clock: { now: () => now },
      timeline: agenda,
      network,
      random: seededRandom(d.seed),
      log: (line) => emit({ t: 'log', container: d.container, line }),
      crash: (reason) => {
        if (container.dead) return;
        kill(d.container, container);
        emit({ t: 'crash', container: d.container, reason });
      },
      alive: () => !container.dead,
    });
    container.timers = containerTimers;
    const handler = exports[d.exportName];
    if (typeof handler !== 'function')
      throw new Error(`the bundle does not export a function ${d.exportName}`);
    container.handler = handler as Container['handler'];
  } catch (error) {
    kill(d.container, container);
    emit({ t: 'crash', container: d.container, reason: `Init error: ${(error as Error).message}` });
  }
}

function invoke(inv: number, name: string, event: unknown, c: ContextFields): void {
  const container = containers.get(name);
  if (!container || container.dead) return;
  const context = {
    callbackWaitsForEmptyEventLoop: false,
    functionName: c.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: c.invokedFunctionArn,
    memoryLimitInMB: '512',
    awsRequestId: c.awsRequestId,
    logGroupName: `/aws/lambda/${c.functionName}`,
    logStreamName: c.logStreamName,
    getRemainingTimeInMillis: () => Math.max(0, c.timeoutMs - (now - c.started)),
  };
  let pending: unknown;
  try {
    pending = container.handler(event, context);
  } catch (error) {
    pending = Promise.reject(error);
  }
  Promise.resolve(pending).then(
    (result) => {
      if (!container.dead) emit({ t: 'result', inv, outcome: { ok: true, result } });
    },
    (error: { name?: string; message?: string } | undefined) => {
      if (container.dead || error instanceof ContainerExit) return;
      const e = { errorType: error?.name ?? 'Error', errorMessage: String(error?.message ?? error) };
      emit({ t: 'result', inv, outcome: { ok: false, error: e } });
    },
  );
}

function apply(d: Delivery): void {
  switch (d.t) {
    case 'hosts':
      hosts.clear();
      for (const h of d.hosts) hosts.add(h);
      return;
    case 'spawn':
      spawn(d);
      return;
    case 'invoke':
      invoke(d.inv, d.container, d.event, d.context);
      return;
    case 'response': {
      const pending = requests.get(d.id);
      requests.delete(d.id);
      pending?.resolve({ ...d.response, body: asBuffer(d.response.body) });
      return;
    }
    case 'failure': {
      const pending = requests.get(d.id);
      requests.delete(d.id);
      pending?.reject(new Error(d.message));
      return;
    }
    case 'fire': {
      const run = timers.get(d.id);
      timers.delete(d.id);
      run?.();
      return;
    }
    case 'kill': {
      const container = containers.get(d.container);
      if (container) kill(d.container, container);
      return;
    }
  }
}

// Lambda's Node runtime would end the container; here the rejection is logged where it can be seen.
process.on('unhandledRejection', (reason) => {
  emit({ t: 'log', container: 'unhandled-rejection', line: String((reason as Error)?.stack ?? reason) });
});

port.on('message', (batch: Batch) => {
  now = batch.now;
  for (const d of batch.deliveries) apply(d);
  void quiesce().then(() => {
    const done = outputs;
    outputs = [];
    port.postMessage(done);
  });
});
