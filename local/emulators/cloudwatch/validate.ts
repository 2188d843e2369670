import { AwsError, type JsonObject } from '../common/json-rpc';
import { type AlarmRule, parseAlarmRule } from './alarm-rule';

/** CloudWatch's own error shapes: each pairs a JSON error name with its awsQuery code. */
export const cwError = {
  missing: (p: string) =>
    new AwsError(
      'MissingRequiredParameterException',
      `The parameter ${p} is required.`,
      400,
      'MissingParameter',
    ),
  invalid: (msg: string) => new AwsError('InvalidParameterValueException', msg, 400, 'InvalidParameterValue'),
  combination: (msg: string) =>
    new AwsError('InvalidParameterCombinationException', msg, 400, 'InvalidParameterCombination'),
  notFound: (msg: string) => new AwsError('ResourceNotFound', msg, 404, 'ResourceNotFound'),
  resourceNotFound: (msg: string) =>
    new AwsError('ResourceNotFoundException', msg, 404, 'ResourceNotFoundException'),
  format: (msg: string) => new AwsError('InvalidFormatFault', msg, 400, 'InvalidFormat'),
  throttled: () => new AwsError('ThrottlingException', 'Rate exceeded', 400, 'Throttling'),
  internal: () => new AwsError('InternalServiceFault', 'Internal service error', 500, 'InternalServiceError'),
};

const STATIC_OPERATORS = [
  'GreaterThanOrEqualToThreshold',
  'GreaterThanThreshold',
  'LessThanThreshold',
  'LessThanOrEqualToThreshold',
];
const OPERATORS = [
  ...STATIC_OPERATORS,
  'LessThanLowerOrGreaterThanUpperThreshold',
  'LessThanLowerThreshold',
  'GreaterThanUpperThreshold',
];
const STATISTICS = ['SampleCount', 'Average', 'Sum', 'Minimum', 'Maximum'];

export function alarmName(input: JsonObject): string {
  const name = input.AlarmName;
  if (name === undefined || name === null) throw cwError.missing('AlarmName');
  if (typeof name !== 'string' || name.length < 1 || name.length > 255) {
    throw cwError.invalid('AlarmName must be 1 to 255 characters.');
  }
  return name;
}

export function checkMetricAlarm(input: JsonObject): void {
  alarmName(input);
  if (input.EvaluationPeriods === undefined) throw cwError.missing('EvaluationPeriods');
  if (typeof input.EvaluationPeriods !== 'number' || input.EvaluationPeriods < 1) {
    throw cwError.invalid('EvaluationPeriods must be at least 1.');
  }
  if (input.ComparisonOperator === undefined) throw cwError.missing('ComparisonOperator');
  if (!OPERATORS.includes(String(input.ComparisonOperator))) {
    throw cwError.invalid(`Invalid ComparisonOperator ${String(input.ComparisonOperator)}.`);
  }
  const single = input.MetricName !== undefined || input.Namespace !== undefined;
  if (single && input.Metrics !== undefined) {
    throw cwError.combination('Metrics list cannot be used together with MetricName or Namespace.');
  }
  if (input.Threshold === undefined && input.ThresholdMetricId === undefined) {
    throw cwError.combination('Either Threshold or ThresholdMetricId must be specified.');
  }
  if (Array.isArray(input.Metrics)) {
    checkMetrics(input.Metrics as JsonObject[]);
    return;
  }
  if (input.Metrics !== undefined) throw cwError.invalid('Metrics must be a list.');
  for (const p of ['MetricName', 'Namespace', 'Period'] as const) {
    if (input[p] === undefined) throw cwError.missing(p);
  }
  if ((input.Statistic === undefined) === (input.ExtendedStatistic === undefined)) {
    throw cwError.combination('Exactly one of Statistic or ExtendedStatistic must be specified.');
  }
  if (input.Statistic !== undefined && !STATISTICS.includes(String(input.Statistic))) {
    throw cwError.invalid(`Invalid Statistic ${String(input.Statistic)}.`);
  }
  checkEvaluation(input);
}

const TREATMENTS = ['breaching', 'notBreaching', 'ignore', 'missing'];

/** The bounds PutMetricAlarm's API reference sets on a single-metric alarm's evaluation. */
function checkEvaluation(input: JsonObject): void {
  const period = Number(input.Period);
  if (!Number.isInteger(period) || !(period === 10 || period === 20 || period === 30 || period % 60 === 0))
    throw cwError.invalid('Period must be 10, 20, 30 or a multiple of 60.');
  const n = Number(input.EvaluationPeriods);
  if (period * n > (period < 3600 ? 86_400 : 604_800))
    throw cwError.invalid(
      'Period multiplied by EvaluationPeriods must not exceed one day (seven days for periods of an hour or more).',
    );
  const m = input.DatapointsToAlarm;
  if (m !== undefined && (typeof m !== 'number' || !Number.isInteger(m) || m < 1 || m > n))
    throw cwError.invalid('DatapointsToAlarm must be between 1 and EvaluationPeriods.');
  if (input.TreatMissingData !== undefined && !TREATMENTS.includes(String(input.TreatMissingData)))
    throw cwError.invalid(`Invalid TreatMissingData ${String(input.TreatMissingData)}.`);
  if (!STATIC_OPERATORS.includes(String(input.ComparisonOperator)))
    throw cwError.combination(
      `${String(input.ComparisonOperator)} compares to an anomaly detection band, which needs Metrics and ThresholdMetricId.`,
    );
  if (typeof input.Threshold !== 'number') throw cwError.missing('Threshold');
}

function checkMetrics(metrics: JsonObject[]): void {
  if (metrics.length < 1) throw cwError.invalid('Metrics must contain at least 1 item.');
  const ids = new Set<string>();
  for (const q of metrics) {
    if (typeof q.Id !== 'string' || !/^[a-z][a-zA-Z0-9_]*$/.test(q.Id)) {
      throw cwError.invalid(
        'Metric ids must start with a lowercase letter and contain only letters, digits and _.',
      );
    }
    if (ids.has(q.Id)) throw cwError.invalid(`Duplicate metric id ${q.Id}.`);
    ids.add(q.Id);
    if ((q.MetricStat === undefined) === (q.Expression === undefined)) {
      throw cwError.combination(`Metric ${q.Id} needs exactly one of MetricStat or Expression.`);
    }
  }
  const returning = metrics.filter((q) => q.ReturnData !== false).length;
  if (returning !== 1) throw cwError.invalid('Exactly one element of the Metrics list must return data.');
}

export function checkCompositeAlarm(input: JsonObject): AlarmRule {
  alarmName(input);
  if (input.AlarmRule === undefined) throw cwError.missing('AlarmRule');
  if (typeof input.AlarmRule !== 'string' || input.AlarmRule.length < 1 || input.AlarmRule.length > 10240) {
    throw cwError.invalid('AlarmRule must be 1 to 10240 characters.');
  }
  try {
    return parseAlarmRule(input.AlarmRule);
  } catch (e) {
    throw cwError.invalid(`Invalid AlarmRule: ${(e as Error).message}`);
  }
}

export function checkTags(tags: unknown): { Key: string; Value: string }[] {
  if (tags === undefined) return [];
  if (!Array.isArray(tags)) throw cwError.invalid('Tags must be a list.');
  return tags.map((t: { Key?: unknown; Value?: unknown }) => {
    if (typeof t.Key !== 'string' || t.Key.length < 1 || t.Key.length > 128)
      throw cwError.invalid('Invalid tag key.');
    if (typeof t.Value !== 'string' || t.Value.length > 256) throw cwError.invalid('Invalid tag value.');
    return { Key: t.Key, Value: t.Value };
  });
}
