import { num } from '../report/format';
import type { LocalStack } from '../stack';
import type { Progress, StatusSnapshot } from './progress';

const FINISHED = new Set(['SUCCEEDED', 'FAILED', 'REJECTED', 'TIMED_OUT', 'CANCELED', 'REMOVED']);

/**
 * What the live status of `npm start` counts, read from the stack's own state: things, memberships,
 * each running job's finished executions, and the events so far (IoT events published into the
 * rules engine plus deliveries to rule targets), from which the status derives events per second;
 * and the virtual devices' calls waiting for a connection, when the stack cannot keep up with them.
 */
export function stackStatus(
  stack: LocalStack,
  progress: Progress,
  fleet?: { readonly waiting: number },
): () => StatusSnapshot {
  return () => {
    const { things, groups, jobs } = stack.services.iot.state;
    let memberships = 0;
    for (const g of groups.values()) memberships += g.things.length;
    const counts: string[] = [];
    for (const job of jobs.values()) {
      if (job.status !== 'IN_PROGRESS') continue;
      let done = 0;
      for (const e of job.executions.values()) if (FINISHED.has(e.status)) done += 1;
      const targets = job.executions.size + job.pending.length;
      counts.push(`${progress.jobLabel(job.jobId)}: ${num(done)}/${num(targets)} finished`);
    }
    // Things and memberships while they change; once rollouts run, their stages say more.
    if (counts.length === 0)
      counts.push(
        `${num(things.size)} things`,
        `${num(memberships)} memberships in ${num(groups.size)} groups`,
      );
    if (fleet && fleet.waiting > 0) counts.push(`${num(fleet.waiting)} device calls waiting`);
    const invocations = [...stack.host.stats.values()].reduce((n, s) => n + s.invocations, 0);
    // In flight counts the invocations waiting for a container too: a backlog shows here.
    counts.push(`${num(invocations)} invocations (${num(stack.host.inFlight)} in flight)`);
    return { counts, events: stack.delivery.stats.published + stack.router.stats.targetDeliveries };
  };
}
