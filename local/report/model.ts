/**
 * What a local-stack run reports: the JSON file is this object; the HTML report renders it.
 * Times are virtual epoch milliseconds unless a name says otherwise.
 */
export type RunReport = {
  scenario: { name: string; seed: number; devices: number; file?: string };
  startedAt: number;
  finishedAt: number;
  /** Real (wall-clock) duration of the run in milliseconds. */
  wallMs: number;
  steps: StepLine[];
  grouping: {
    things: number;
    groupsCreated: number;
    /** Members per group, largest first. */
    membership: { group: string; members: number; parent?: string }[];
  };
  rollouts: RolloutReport[];
  tunnels: TunnelReport[];
  audit: { total: number; byAction: Record<string, number> };
  delivery: { published: number; delivered: number; duplicated: number; lost: number; parked: number };
  calls: { operation: string; accepted: number; throttled: number }[];
};

/** One line of live progress, as printed during the run. */
export type StepLine = { at: number; text: string };

export type RolloutReport = {
  id: string;
  name: string;
  status: string;
  stages: {
    name: string;
    jobId: string;
    decision: string;
    reason?: string;
    targets: number;
    succeeded: number;
    failed: number;
    approvals: { decision: string; by: string; comment?: string }[];
    /** The gate's view after each event: observed failure rate and its always-valid bounds. */
    series: {
      at: number;
      finished: number;
      failureRate: number;
      lower: number;
      upper: number;
      threshold: number;
    }[];
  }[];
};

export type TunnelReport = {
  thingName: string;
  alarmName: string;
  tunnelId?: string;
  openedAt?: number;
  closedAt?: number;
  outcome: string;
};
