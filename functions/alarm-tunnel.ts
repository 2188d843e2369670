import { createHash } from 'node:crypto';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import policyFile from '../config/tunnel-policy.yml';
import { safeJson, summarizeIssues } from '../shared/domain/parse';
import { alarmEventSchema } from '../shared/domain/tunnels/alarm-event';
import { wrapHandler } from '../shared/handler';
import { logger, metrics } from '../shared/observability';
import { handleAlarmEvent } from '../shared/services/tunnel-alarm';
import { ALARM_INPUT_SUBJECT, type AlarmOutcome } from '../shared/services/tunnel-effects';
import { tunnelDeps } from './wiring/tunnel';

const ACTOR = 'function:alarm-tunnel';
const deps = tunnelDeps(ACTOR, process.env, policyFile);
const EXCERPT_CHARS = 300;

/**
 * CloudWatch alarm state changes from the default bus (rule in serverless/functions-tunnels.yml).
 * Bad or unexpected events are logged and audited, and the invocation succeeds: retrying them
 * could only fail the same way. AWS errors throw, so Lambda and EventBridge retry, then park them.
 */
export const handler = wrapHandler(
  async (event: unknown): Promise<AlarmOutcome | { result: 'rejected'; reason: string }> => {
    const parsed = alarmEventSchema.safeParse(event);
    if (!parsed.success) {
      const issues = summarizeIssues(parsed.error);
      const reason = `alarm event: ${issues.join('; ')}`;
      logger.error('Rejected alarm event', { reason });
      metrics.addMetric('RejectedEvents', MetricUnit.Count, 1);
      await deps.audit({
        subject: ALARM_INPUT_SUBJECT,
        action: 'input.rejected',
        outcome: 'rejected',
        actor: ACTOR,
        cause: { type: 'eventbridge-event', id: eventId(event) },
        at: eventTime(event),
        details: { reason, issues, excerpt: excerpt(event) },
      });
      return { result: 'rejected', reason };
    }
    const { detail } = parsed.data;
    const outcome = await handleAlarmEvent(parsed.data, deps);
    logger.info(`Alarm ${detail.state.value}: ${outcome.result}`, {
      alarmName: detail.alarmName,
      state: detail.state.value,
      ...outcome,
    });
    metrics.addMetric(`Tunnels_${outcome.result}`, MetricUnit.Count, 1);
    return outcome;
  },
  { correlationIdPath: 'id' },
);

function field(event: unknown, key: string): unknown {
  return typeof event === 'object' && event !== null ? (event as Record<string, unknown>)[key] : undefined;
}

/** The EventBridge id when there is one, so a redelivery of the same bad event is audited once. */
function eventId(event: unknown): string {
  const id = field(event, 'id');
  if (typeof id === 'string' && id.length > 0 && id.length <= 128) return id;
  return createHash('sha256').update(safeJson(event)).digest('hex').slice(0, 32);
}

function eventTime(event: unknown): number {
  const raw = field(event, 'time');
  // Only a string: String() of an object without a prototype throws.
  const time = typeof raw === 'string' ? Date.parse(raw) : Number.NaN;
  return Number.isFinite(time) ? time : 0;
}

function excerpt(event: unknown): string {
  return safeJson(event)
    .slice(0, EXCERPT_CHARS)
    .replace(/[^\x20-\x7e]/g, '?');
}
