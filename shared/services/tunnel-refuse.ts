import { REFUSAL, type RefusalCode, type SkipCode } from '../domain/tunnels/decide';
import { type AlarmContext, type AlarmOutcome, alarmCause, alarmFacts, thingSubject } from './tunnel-effects';
import type { TunnelDeps } from './tunnel-ports';

/** A refusal is audited with its reason and published; the cap, AWS limits and hijacks page on-call. */
export async function refuseOpen(
  alarm: AlarmContext,
  thingName: string | undefined,
  code: RefusalCode,
  reason: string,
  deps: TunnelDeps,
): Promise<AlarmOutcome> {
  const details = {
    ...alarmFacts(alarm),
    thingName,
    code,
    reason,
    services: alarm.enrolment?.services ?? deps.policy.services,
    lifetimeMinutes: deps.policy.maxLifetimeMinutes,
  };
  const { id } = await deps.audit({
    subject: thingName ? thingSubject(thingName) : { type: 'input', id: 'cloudwatch-alarm' },
    action: 'tunnel.open.refused',
    outcome: 'rejected',
    actor: deps.actor,
    cause: alarmCause(alarm),
    at: alarm.at,
    details,
  });
  await deps.publish([
    {
      detailType: 'TunnelOpenRefused',
      detail: { ...details, auditId: id, actor: deps.actor },
      resources: [alarm.alarmArn],
      time: alarm.at,
    },
  ]);
  const paged: RefusalCode[] = [REFUSAL.FLEET_CAP, REFUSAL.AWS_LIMIT, REFUSAL.ENROLMENT_MISMATCH];
  if (paged.includes(code)) {
    await deps.notify({
      subject: `Tunnel refused for ${thingName ?? alarm.alarmName}`,
      message: `No tunnel was opened for alarm ${alarm.alarmName}: ${reason}\nList open tunnels: npx fleet tunnel list`,
      attributes: { event: 'TunnelOpenRefused', code },
    });
  }
  return { result: 'refused', thingName, code, reason };
}

/** An ALARM that is no longer true opens nothing: audited as skipped, nothing else happens. */
export async function skipOpen(
  alarm: AlarmContext,
  thingName: string,
  code: SkipCode,
  reason: string,
  deps: TunnelDeps,
): Promise<AlarmOutcome> {
  await deps.audit({
    subject: thingSubject(thingName),
    action: 'tunnel.open.skipped',
    outcome: 'skipped',
    actor: deps.actor,
    cause: alarmCause(alarm),
    at: alarm.at,
    details: { ...alarmFacts(alarm), thingName, code, reason },
  });
  return { result: 'open-skipped', thingName, code, reason };
}
