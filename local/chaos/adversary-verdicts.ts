import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { jobIdFor } from '../../shared/domain/rollout/ids';
import type { LocalStack } from '../stack';
import { ADVERSARY, type Attempt } from './adversary';
import { short } from './adversary-attacks';
import type { AuditItem, TunnelItem } from './checks';

/** What GET /rollouts/{id} shows, as much as the verdicts read. */
export type RolloutView = { status?: string; stages?: { name?: string; status?: string }[] };

export type Verdict = { title: string; ok: boolean; text: string };

export type Evidence = {
  audit: readonly AuditItem[];
  calls: readonly { operation: string; input: Record<string, unknown>; at: number }[];
  tunnels: readonly TunnelItem[];
  views: ReadonlyMap<string, RolloutView>;
  misgrouped: ReadonlySet<string>;
};

const str = (v: unknown) => (typeof v === 'string' ? v : '');
const jobsOf = (e: Evidence, rolloutId: string, after = Number.NEGATIVE_INFINITY) =>
  e.calls.filter(
    (c) => c.operation === 'CreateJob' && str(c.input.jobId).startsWith(`${rolloutId}-s`) && c.at > after,
  );
const citing = (e: Evidence, ids: readonly string[]) =>
  e.audit.filter(
    (a) =>
      ids.includes(str(a.cause?.id)) &&
      a.outcome !== 'rejected' &&
      a.outcome !== 'skipped' &&
      !a.action.includes('refused'),
  );

/**
 * Each attack against the state the run ended in: what it changed (a rollout, a tunnel, a group
 * membership, a secret within an operator's reach), or what stopped it. An attack that could not
 * be carried out, or whose moment never came, fails too: the guard it aims at went untested.
 */
export async function judgeAttacks(
  stack: LocalStack,
  attempts: Iterable<Attempt>,
  e: Evidence,
): Promise<Verdict[]> {
  const verdicts: Verdict[] = [];
  for (const a of attempts) {
    const title = `adversary: ${a.title}`;
    if (a.failed) verdicts.push({ title, ok: false, text: `could not be carried out: ${a.failed}` });
    else if (a.at === undefined)
      verdicts.push({ title, ok: false, text: 'not tried: its moment never came' });
    else {
      const effects = effectsOf(a, e);
      const stopped = a.refused ? `stopped by: ${a.refused}` : `accepted (${a.accepted ?? ''})`;
      verdicts.push(
        effects.length > 0
          ? { title, ok: false, text: `EFFECT: ${effects.join('; ')} (${stopped})` }
          : {
              title,
              ok: true,
              text: `no effect; ${stopped}${a.refused ? '' : `; ${await heldBy(stack, a, e)}`}`,
            },
      );
    }
  }
  return verdicts;
}

function effectsOf(a: Attempt, e: Evidence): string[] {
  const f = a.facts;
  const rolloutId = str(f.rolloutId);
  const view = e.views.get(rolloutId);
  const out: string[] = [];
  switch (a.id) {
    case 'forged-outcomes': {
      // Promoted by the gate, or acted on by anything: a job for a later stage is the restart's.
      const promoted = e.audit.find(
        (r) =>
          r.pk === `ROLLOUT#${rolloutId}` &&
          r.action === 'rollout.stage.promoted' &&
          r.details?.stageIndex === 0,
      );
      if (promoted || view?.stages?.[0]?.status === 'PROMOTED')
        out.push(`stage ${view?.stages?.[0]?.name} PROMOTED`);
      const cited = citing(e, (f.ids as string[] | undefined) ?? []);
      if (cited.length) out.push(`${cited.length} audit records act on forged events`);
      break;
    }
    case 'restart-halted': {
      const jobs = jobsOf(e, rolloutId, a.at);
      if (jobs.length)
        out.push(`jobs ${jobs.map((c) => str(c.input.jobId)).join(', ')} created after the halt`);
      if (view?.status && view.status !== 'HALTED') out.push(`rollout ${view.status}`);
      break;
    }
    case 'task-token': {
      if (Number(f.found) > 0) out.push(`${f.found} task tokens readable by an operator`);
      const decided = e.audit
        .filter(
          (r) =>
            r.pk === `ROLLOUT#${rolloutId}` &&
            r.action === 'rollout.approval.decided' &&
            r.outcome === 'decided' &&
            r.details?.decision === 'APPROVED' &&
            !/mallory|second-session/.test(str(r.actor)),
        )
        .map((r) => r.at ?? 0);
      const job = jobsOf(e, rolloutId).find((c) => c.input.jobId === jobIdFor(rolloutId, 1));
      if (Number(f.sendAccepted) > 0 && job && !(decided.length && Math.min(...decided) <= job.at))
        out.push('the next stage started before another person approved');
      break;
    }
    case 'second-session':
    case 'self-approval': {
      // The answer alone does not tell: a decision can be stored and its token found gone (409).
      const who = str(f.principal).split(':').pop() ?? '';
      const decided = e.audit.filter(
        (r) =>
          r.pk === `ROLLOUT#${rolloutId}` &&
          r.action === 'rollout.approval.decided' &&
          (str(r.actor).endsWith(`/${who}`) || str(r.actor).endsWith(`:${who}`)),
      );
      if (a.accepted || decided.length)
        out.push(`approval decided by ${decided[0]?.actor ?? str(f.principal)}`);
      break;
    }
    case 'unenrolled-alarm': {
      const opened = e.tunnels.filter(
        (t) =>
          t.destinationConfig?.thingName === f.thingName ||
          t.tags?.some((tag) => tag.key === 'fleet-autopilot:alarm-name' && tag.value === f.alarmName),
      );
      if (opened.length) out.push(`${opened.length} tunnels opened to ${str(f.thingName)}`);
      break;
    }
    case 'forged-queue-message':
    case 'reserved-topic': {
      if (citing(e, [str(f.eventId)]).length)
        out.push(`groups of ${str(f.thingName)} changed by the forged event`);
      if (e.misgrouped.has(str(f.thingName)))
        out.push(`${str(f.thingName)} ends in groups its attributes do not call for`);
      break;
    }
  }
  return out;
}

/** An accepted attack that changed nothing: what held (a record, an execution's end). */
async function heldBy(stack: LocalStack, a: Attempt, e: Evidence): Promise<string> {
  const f = a.facts;
  if (a.id === 'restart-halted' && typeof f.executionArn === 'string') {
    const sfn = new SFNClient(stack.clientConfig('sfn', { maxAttempts: 10 }));
    const x = await sfn
      .send(new DescribeExecutionCommand({ executionArn: f.executionArn }))
      .catch(() => undefined);
    const records = e.audit.filter((r) => JSON.stringify(r).includes(str(f.executionName)));
    return short(
      `held by: execution ${x?.status ?? '?'}${x?.error ? ` ${x.error}` : ''}${x?.cause ? `: ${x.cause}` : ''}; ${records.length} audit records name it${records[0] ? ` (${records[0].action})` : ''}`,
      260,
    );
  }
  const about = (pred: (r: AuditItem) => boolean) => {
    const r = e.audit.find(pred);
    return r
      ? `held by: ${r.action} ${r.outcome ?? ''} ${short(str(r.details?.reason ?? r.details?.code ?? ''), 140)}`
      : 'no audit record';
  };
  if (a.id === 'unenrolled-alarm') return about((r) => r.details?.alarmName === f.alarmName);
  if (a.id === 'forged-queue-message' || a.id === 'reserved-topic')
    return about((r) => str(r.cause?.id) === f.eventId);
  if (a.id === 'forged-outcomes') {
    const view = e.views.get(str(f.rolloutId));
    return `held by: the rollout ended ${view?.status ?? '?'} (${(view?.stages ?? []).map((s) => `${s.name} ${s.status}`).join(', ')})`;
  }
  return `by ${ADVERSARY}`;
}
