import type { StateValue } from './alarm-rule';
import { breaches, type Evaluable, type Verdict } from './metric-alarm';
import { eventTimestamp } from './model';

/**
 * StateReason and StateReasonData of an evaluated single-metric alarm, worded like AWS's (the
 * "CloudWatch Alarm State Change" examples of the EventBridge guide): "Threshold Crossed: 1 out of
 * the last 1 datapoints [99.5 (01/01/26 09:55:00)] was greater than or equal to the threshold (50.0)
 * (minimum 1 datapoint for OK -> ALARM transition)." Doubles print as Java does (50.0).
 */
const WORDING: Record<string, string> = {
  GreaterThanOrEqualToThreshold: 'greater than or equal to',
  GreaterThanThreshold: 'greater than',
  LessThanThreshold: 'less than',
  LessThanOrEqualToThreshold: 'less than or equal to',
};

const dbl = (v: number): string => (Number.isInteger(v) ? v.toFixed(1) : String(v));
const s = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** 01/01/26 09:55:00 (UTC). */
function shortDate(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(2, 4)} ${iso.slice(11, 19)}`;
}

export function alarmReason(
  e: Evaluable,
  v: Verdict,
  previous: StateValue,
  at: number,
): { reason: string; reasonData: string } {
  const newestFirst = [...v.judged].reverse();
  const values = newestFirst.map((p) => p.value as number);
  const data = [
    '"version":"1.0"',
    `"queryDate":"${eventTimestamp(at)}"`,
    ...(v.judged[0] ? [`"startDate":"${eventTimestamp(v.judged[0].start)}"`] : []),
    `"statistic":"${e.statistic}"`,
    `"period":${e.periodMs / 1000}`,
    `"recentDatapoints":[${values.map(dbl).join(',')}]`,
    `"threshold":${dbl(e.threshold)}`,
    ...(newestFirst.length > 0
      ? [
          `"evaluatedDatapoints":[${newestFirst
            .map(
              (p) =>
                `{"timestamp":"${eventTimestamp(p.start)}","sampleCount":${dbl(p.count)},"value":${dbl(p.value as number)}}`,
            )
            .join(',')}]`,
        ]
      : []),
  ];
  return { reason: reasonText(e, v, previous), reasonData: `{${data.join(',')}}` };
}

function reasonText(e: Evaluable, v: Verdict, previous: StateValue): string {
  if (v.state === 'INSUFFICIENT_DATA') {
    const unknown = e.n - v.judged.length;
    return `Insufficient Data: ${s(unknown, 'datapoint')} ${unknown === 1 ? 'was' : 'were'} unknown.`;
  }
  const treated = e.treat === 'breaching' ? 'Breaching' : 'NonBreaching';
  const fill = v.filled > 0 ? `${s(v.filled, 'missing datapoint')} ${v.filled === 1 ? 'was' : 'were'}` : '';
  if (v.judged.length === 0)
    return `Threshold Crossed: no datapoints were received for ${s(v.filled, 'period')} and ${fill} treated as [${treated}].`;
  const alarm = v.state === 'ALARM';
  const counted = v.judged.filter((p) => breaches(e, p.value as number) === alarm);
  const list = [...v.judged]
    .reverse()
    .map((p) => `${dbl(p.value as number)} (${shortDate(p.start)})`)
    .join(', ');
  const verb = counted.length === 1 ? 'was' : 'were';
  const minimum = alarm ? e.m : 1;
  return (
    `Threshold Crossed: ${counted.length} out of the last ${v.judged.length + v.filled} datapoints [${list}] ${verb} ` +
    `${alarm ? '' : 'not '}${WORDING[e.operator] ?? e.operator} the threshold (${dbl(e.threshold)})` +
    `${fill ? ` and ${fill} treated as [${treated}]` : ''} ` +
    `(minimum ${s(minimum, 'datapoint')} for ${previous} -> ${v.state} transition).`
  );
}
