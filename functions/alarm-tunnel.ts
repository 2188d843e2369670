import { MetricUnit } from '@aws-lambda-powertools/metrics';
import policyFile from '../config/tunnel-policy.yml';
import { summarizeIssues } from '../shared/domain/parse';
import { alarmEventSchema } from '../shared/domain/tunnels/alarm-event';
import { wrapHandler } from '../shared/handler';
import { logger, metrics } from '../shared/observability';
import { rejectEvent } from '../shared/services/reject-input';
import { handleAlarmEvent } from '../shared/services/tunnel-alarm';
import { ALARM_INPUT_SUBJECT, type AlarmOutcome } from '../shared/services/tunnel-effects';
import { tunnelDeps } from './wiring/tunnel';

const ACTOR = 'function:alarm-tunnel';
const deps = tunnelDeps(ACTOR, process.env, policyFile);

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
      await rejectEvent(deps.audit, {
        actor: ACTOR,
        source: ALARM_INPUT_SUBJECT.id,
        event,
        via: 'eventbridge-event',
        idField: 'id',
        timeField: 'time',
        reason,
        issues,
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
