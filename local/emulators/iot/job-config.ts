import { invalidRequest } from './errors';
import { optObject } from './input';
import { parseWindows } from './maintenance';
import type { Json } from './model';

// Ranges from the IoT API model (AWS IoT API Reference: CreateJob, JobExecutionsRolloutConfig, AbortConfig, TimeoutConfig).

function intIn(obj: Json, key: string, min: number, max: number, required = false): void {
  const v = obj[key];
  if (v === undefined || v === null) {
    if (required) throw invalidRequest(`${key} is required`);
    return;
  }
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw invalidRequest(`${key} must be an integer between ${min} and ${max}`);
  }
}

function numIn(obj: Json, key: string, min: number, max: number): void {
  const v = obj[key];
  if (typeof v !== 'number' || v < min || v > max)
    throw invalidRequest(`${key} must be between ${min} and ${max}`);
}

function oneOf(obj: Json, key: string, values: readonly string[]): void {
  if (!values.includes(String(obj[key]))) throw invalidRequest(`${key} must be one of ${values.join(', ')}`);
}

function list(obj: Json, key: string, min: number, max: number): Json[] {
  const v = obj[key];
  if (!Array.isArray(v) || v.length < min || v.length > max) {
    throw invalidRequest(`${key} must be a list of ${min} to ${max} items`);
  }
  return v as Json[];
}

export function validateRollout(cfg: Json | undefined): void {
  if (!cfg) return;
  intIn(cfg, 'maximumPerMinute', 1, 1000);
  const exp = optObject(cfg, 'exponentialRate');
  if (!exp) return;
  intIn(exp, 'baseRatePerMinute', 1, 1000, true);
  numIn(exp, 'incrementFactor', 1.1, 5);
  const crit = optObject(exp, 'rateIncreaseCriteria');
  const set = crit
    ? ['numberOfNotifiedThings', 'numberOfSucceededThings'].filter((k) => crit[k] !== undefined)
    : [];
  if (!crit || set.length !== 1) {
    throw invalidRequest(
      'rateIncreaseCriteria must set exactly one of numberOfNotifiedThings, numberOfSucceededThings',
    );
  }
  intIn(crit, set[0] ?? '', 1, Number.MAX_SAFE_INTEGER, true);
}

export function validateAbort(cfg: Json | undefined): void {
  if (!cfg) return;
  for (const c of list(cfg, 'criteriaList', 1, 100)) {
    oneOf(c, 'failureType', ['FAILED', 'REJECTED', 'TIMED_OUT', 'ALL']);
    oneOf(c, 'action', ['CANCEL']);
    numIn(c, 'thresholdPercentage', 0, 100);
    intIn(c, 'minNumberOfExecutedThings', 1, Number.MAX_SAFE_INTEGER, true);
  }
}

export function validateTimeout(cfg: Json | undefined): void {
  if (cfg) intIn(cfg, 'inProgressTimeoutInMinutes', 1, 10080);
}

export function validateRetry(cfg: Json | undefined): void {
  if (!cfg) return;
  for (const c of list(cfg, 'criteriaList', 1, 2)) {
    oneOf(c, 'failureType', ['FAILED', 'TIMED_OUT', 'ALL']);
    intIn(c, 'numberOfRetries', 0, 10, true);
  }
}

export function validateScheduling(cfg: Json | undefined, start: number | undefined, now: number): void {
  if (!cfg) return;
  if (cfg.endBehavior !== undefined) oneOf(cfg, 'endBehavior', ['STOP_ROLLOUT', 'CANCEL', 'FORCE_CANCEL']);
  parseWindows(cfg.maintenanceWindows);
  if (cfg.startTime !== undefined) {
    // SchedulingConfig doc: startTime at least 30 minutes and at most one year ahead.
    if (start === undefined || start < now + 30 * 60_000 || start > now + 366 * 86_400_000) {
      throw invalidRequest('schedulingConfig.startTime must be 30 minutes to 1 year in the future');
    }
  }
}
