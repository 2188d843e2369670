import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import {
  effectsOfIotCalls,
  effectsOfTunnels,
  verifyAuditTrail,
} from '../../shared/domain/audit-query/verify';
import type { ScenarioRun } from '../scenario/runner';
import type { LocalStack } from '../stack';
import { type AuditItem, duplicateEffects, rolloutsContinuedAfterStop, tunnelOverlaps } from './checks';
import { type EndStateInputs, endStateRows } from './end-state';
import { scanForLeaks } from './leak-scan';

type Row = { name: string; value: string; ok: boolean | undefined };
export type Extra = {
  redelivered: number;
  redriven: number;
  stormChanges: number;
  stormFailures: number;
  burstCreated: number;
  burstFailed: number;
  redriveRounds: number;
  redriveWaitSeconds: number;
  notRedrivable: number;
};
export type ChaosFigures = { rows: Row[]; ok: boolean };

const policy = () =>
  parse(readFileSync('config/tunnel-policy.yml', 'utf8')) as {
    maxOpenTunnels?: number;
    cooldownMinutes?: number;
  };

/** The chaos run's table: what happened, and the invariants that must hold (ok false = fails). */
export async function checkInvariants(
  stack: LocalStack,
  run: ScenarioRun,
  auditItems: Record<string, unknown>[],
  buses: string[],
  extra: Extra,
  endState: EndStateInputs,
): Promise<ChaosFigures> {
  const audit = auditItems as AuditItem[];
  const rows: Row[] = [];
  const info = (name: string, value: string | number) =>
    rows.push({ name, value: String(value), ok: undefined });
  const must = (name: string, value: number, detail = '') =>
    rows.push({ name, value: `${value}${detail ? ` (${detail})` : ''}`, ok: value === 0 });

  const { iot, sqs, tunnels, sfn, eventBridge, sns } = stack.services;
  const injected = stack.services.faultsInjected();
  if (injected.throttle + injected.serverError > 0)
    info('API faults injected (throttle / 5xx)', `${injected.throttle} / ${injected.serverError}`);
  const d = stack.delivery.stats;
  info('IoT events published / duplicated', `${d.published} / ${d.duplicated}`);
  info('EventBridge deliveries repeated', extra.redelivered);
  info('containers crashed mid-invocation', stack.host.crashes);
  const c = stack.chaosStats;
  info('state machine Lambda task faults (retried)', `${c.sfnLambdaFailures} of ${c.sfnLambdaCalls} calls`);
  info('alarm state changes (storm, failed)', `${extra.stormChanges}, ${extra.stormFailures}`);
  info('things created in the burst (failed)', `${extra.burstCreated} (${extra.burstFailed})`);
  // CreateThing calls that failed after the SDK's retries (its standard-mode retry quota can run out).
  info('things in the registry, of the devices planned', `${iot.state.things.size} of ${run.devices.length}`);
  const f = run.fleet.stats;
  info('device calls failed after SDK retries (devices that gave up)', `${f.callFailures} (${f.gaveUp})`);

  // Events: every message a consumer was handed ends processed, parked in a DLQ, or lost.
  const sources = new Set(stack.pollers.map((p) => p.queue));
  const dlqs = sqs.queues().filter((q) => !sources.has(q));
  let queued = 0;
  let queueProcessed = 0;
  let stuck = 0;
  for (const q of sources) {
    queued += q.sent;
    queueProcessed += q.deleted;
    stuck += q.sent - q.deleted - q.movedToDeadLetter;
  }
  const r = stack.router.stats;
  const asyncOk = r.targetDeliveries - r.targetFailures;
  const parkedEver = dlqs.reduce((n, q) => n + q.sent, 0);
  const parked = dlqs.reduce((n, q) => n + q.depth(), 0);
  const busEvents = buses.reduce((n, b) => n + eventBridge.archive(b).length, 0);
  info('events delivered (IoT + EventBridge)', d.delivered + busEvents + extra.redelivered);
  info('events processed (SQS records + async invocations)', `${queueProcessed} of ${queued} + ${asyncOk}`);
  const where = dlqs.filter((q) => q.sent).map((q) => `${q.name}: ${q.sent}`);
  info('events parked in DLQs (where)', `${parkedEver}${where.length ? ` (${where.join(', ')})` : ''}`);
  info(
    'parked events redriven after the run (rounds, real wait)',
    `${extra.redriven} (${extra.redriveRounds}, ${extra.redriveWaitSeconds} s)${extra.notRedrivable ? `, ${extra.notRedrivable} not redrivable` : ''}`,
  );
  const samples = dlqs.flatMap((q) => q.bodies().map((b) => `${q.name}: ${b.slice(0, 240)}`));
  if (samples.length) info('still parked (first 3)', samples.slice(0, 3).join(' ‖ '));
  must('events lost', r.lost + stuck, `router ${r.lost}, unaccounted in queues ${stuck}`);

  const dup = duplicateEffects(
    audit,
    stack.services.tunnels.tunnels(),
    (policy().cooldownMinutes ?? 30) * 60_000,
  );
  must('duplicate side effects', dup.total, dup.detail);

  const effects = [...effectsOfIotCalls(iot.calls), ...effectsOfTunnels(tunnels.tunnels())];
  const verify = verifyAuditTrail(
    effects,
    audit.map((a) => ({ pk: a.pk, action: a.action, outcome: a.outcome, details: a.details })),
  );
  const mismatches = verify.unaudited.length + verify.unperformed.length;
  must(
    'audit records vs side effects: mismatches',
    mismatches,
    `${new Set(effects.map((e) => `${e.kind} ${e.key}`)).size} effects, ${verify.unaudited.length} unaudited, ${verify.unperformed.length} unperformed`,
  );
  if (mismatches)
    info('first mismatches', JSON.stringify([...verify.unaudited, ...verify.unperformed].slice(0, 3)));

  const continued = rolloutsContinuedAfterStop(audit, iot.calls);
  must('rollouts continued after a halt', continued.count, continued.detail);
  const decided = new Map<string, number>();
  for (const a of audit.filter((x) => x.action === 'rollout.approval.decided')) {
    const key = `${a.pk}#${String(a.details?.stageIndex ?? a.subject?.id ?? '')}`;
    decided.set(key, (decided.get(key) ?? 0) + 1);
  }
  const refused = run.progress.lines.filter((l) => /^(approve|reject) .* refused/.test(l.text)).length;
  must(
    'approvals decided more than once',
    [...decided.values()].filter((n) => n > 1).length,
    `${decided.size} decided, ${refused} concurrent decisions refused`,
  );

  const t = tunnelOverlaps(tunnels.tunnels(), stack.clock.now());
  const cap = policy().maxOpenTunnels ?? 10;
  info('tunnels opened (max open at once / cap)', `${t.opened} (${t.maxOpen} / ${cap})`);
  must('things with more than one open tunnel', t.thingsOverlapping);
  must('tunnels over the cap', Math.max(0, t.maxOpen - cap));
  must('scenario steps that failed', run.errors.length, run.errors.slice(0, 2).join('; '));

  const secrets = [...tunnels.issuedTokens(), ...sfn.issuedTokens()].filter((s) => s.length >= 8);
  const haystacks = [
    ...stack.logLines.map((l) => l.line),
    ...auditItems,
    ...buses.flatMap((b) => eventBridge.archive(b)),
    ...sns.messages,
    ...run.progress.lines.map((l) => l.text),
    rows,
  ];
  const hits = scanForLeaks(haystacks, secrets);
  const left = dlqs.filter((q) => q.depth()).map((q) => `${q.name}: ${q.depth()}`);
  await endStateRows(stack, audit, { count: parked, where: left.join(', ') }, endState, must, info, (v) =>
    rows.push({ name: v.title, value: v.text, ok: v.ok }),
  );
  must('token leaks', hits.length, `${secrets.length} tokens × ${haystacks.length} items scanned`);
  return { rows, ok: rows.every((row) => row.ok !== false) };
}
