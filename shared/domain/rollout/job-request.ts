import { abortBackstop } from './abort-backstop';
import { defaultJobRollout } from './job-rollout';
import type { ResolvedPlan, ResolvedStage } from './plan';
import { stageGroups } from './query-target';

/** `arn:<partition>:iot:<region>:<account>` from the Lambda's own ARN (its context), never from input. */
export function iotArnPrefix(functionArn: string): string {
  const [arn, partition, , region, account] = functionArn.split(':');
  if (arn !== 'arn' || !partition || !region || !/^\d{12}$/.test(account ?? '')) {
    throw new Error(`not a function ARN: ${functionArn}`);
  }
  return `arn:${partition}:iot:${region}:${account}`;
}

/** `s3://bucket/key` (validated by the plan schema) as the S3 object URL CreateJob takes. */
export function documentSourceUrl(source: string): string {
  const rest = source.slice('s3://'.length);
  const slash = rest.indexOf('/');
  return `https://${rest.slice(0, slash)}.s3.amazonaws.com/${rest.slice(slash + 1)}`;
}

/**
 * The CreateJob input for one stage: the plan's job settings passed through in AWS's shapes (the AWS IoT
 * CreateJob API reference), with the abort backstop computed from the stage's `things` when the plan
 * gives none.
 */
export function createJobRequest(
  plan: ResolvedPlan,
  stage: ResolvedStage,
  jobId: string,
  arnPrefix: string,
  things: number,
) {
  const { job } = stage;
  const abort = job.abortConfig ?? [abortBackstop(things, stage.gate.failureThreshold)];
  const retries = [
    ...(job.retries.failed ? [{ failureType: 'FAILED' as const, numberOfRetries: job.retries.failed }] : []),
    ...(job.retries.timedOut
      ? [{ failureType: 'TIMED_OUT' as const, numberOfRetries: job.retries.timedOut }]
      : []),
  ];
  const scheduling = job.scheduling;
  return {
    jobId,
    targets: stageGroups(stage, jobId).map((group) => `${arnPrefix}:thinggroup/${group}`),
    ...(plan.document ? { document: JSON.stringify(plan.document) } : {}),
    ...(plan.documentSource ? { documentSource: documentSourceUrl(plan.documentSource) } : {}),
    description: `${plan.name}: stage ${stage.index + 1} of ${plan.stages.length} (${stage.name})`.slice(
      0,
      2028,
    ),
    targetSelection: job.targetSelection,
    jobExecutionsRolloutConfig: job.rollout ?? defaultJobRollout(things, job.inProgressTimeoutMinutes),
    abortConfig: { criteriaList: abort.map((c) => ({ ...c, action: 'CANCEL' as const })) },
    timeoutConfig: { inProgressTimeoutInMinutes: job.inProgressTimeoutMinutes },
    ...(retries.length > 0 ? { jobExecutionsRetryConfig: { criteriaList: retries } } : {}),
    // Software Package Catalog: AWS IoT writes these to the device's `$package` shadow after its success.
    ...(job.destinationPackageVersions ? { destinationPackageVersions: job.destinationPackageVersions } : {}),
    ...(scheduling
      ? {
          schedulingConfig: {
            ...(scheduling.startTime ? { startTime: scheduling.startTime } : {}),
            ...(scheduling.endTime ? { endTime: scheduling.endTime } : {}),
            ...(scheduling.endBehavior ? { endBehavior: scheduling.endBehavior } : {}),
            ...(scheduling.maintenanceWindows ? { maintenanceWindows: scheduling.maintenanceWindows } : {}),
          },
        }
      : {}),
  };
}

export type CreateJobRequest = ReturnType<typeof createJobRequest>;
