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
  /** Where the wall time of the run went, phase by phase (absent in reports written before it existed). */
  phases?: PhaseTime[];
};

/** One phase of a run and the real (wall-clock) milliseconds it took. */
export type PhaseTime = { name: string; wallMs: number };

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
    approvals: { decision: string; by: string; comment?: string; kind?: string; reason?: string }[];
    /**
     * The gate's decision record as the rollout's audit trail holds it at the decision: the one that
     * halted or promoted the stage, else the last change of the gate's outcome. Kept as recorded, so
     * fields the gate adds later (a rule name, devices started...) reach the report untouched.
     */
    decisionRecord?: DecisionRecord;
    /** The gate's view after each event: observed failure rate and its always-valid bounds. */
    series: {
      at: number;
      /** Executions started by then (the gate's sample size); absent in older reports. */
      started?: number;
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

/**
 * A gate decision as recorded: `outcome` (HALT, PROMOTE, INCONCLUSIVE_AT_DEADLINE, CONTINUE...),
 * usually `reason`, `explanation`, `at` (virtual epoch ms) and `evidence` (counts, bounds, the
 * threshold...). Every other field is kept and shown as it comes.
 */
export type DecisionRecord = {
  outcome: string;
  reason?: string;
  explanation?: string;
  at?: number;
  evidence?: Record<string, unknown>;
  [field: string]: unknown;
};
