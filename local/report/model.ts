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
    /** A health-gated stage: what the rollout's checks found after devices reported SUCCEEDED. */
    health?: StageHealthReport;
    /**
     * The stage job's executions at the end of the run as AWS IoT reports them, before any health
     * verdict (a device that reported SUCCEEDED and never came back is a success here). Present for a
     * stage with health signals or of a rollout whose rollback started.
     */
    jobOutcome?: { succeeded: number; failed: number; notFinished: number };
    /** This stage's devices in the rollout's rollback (put in its group) and how its job went for them. */
    rollback?: StageRollbackReport;
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
  /** The plan's rollback, when it names one (NOT_STARTED until the rollout halts or aborts asking for it). */
  rollback?: RollbackReport;
};

/** GET /rollouts/{id}'s `health` of a stage, its times as virtual epoch ms. */
export type StageHealthReport = {
  /** The plan's signals; a signal the stage does not use is absent. */
  signals: { reconnectMinutes?: number; selfCheck?: string[]; alarms?: { names: string[]; action: string } };
  /** Devices that reported SUCCEEDED and then failed a signal: the gate counts each as a failure. */
  unhealthy: number;
  /** Suspects whose window is over but that are not judged yet (not counted as successes). */
  unjudged: number;
  /** Successes the tracker suspected (a failed self-check in the event, or a window to watch). */
  suspects: number;
  /** When the rollout last judged the stage's suspects. */
  checkedAt?: number;
  /** A few unhealthy devices: `reason` is the signal (reconnect, selfCheck), `evidence` what was seen. */
  examples: { thingName: string; reason: string; evidence: string }[];
};

/** GET /rollouts/{id}'s `rollback`, its times as virtual epoch ms. */
export type RollbackReport = {
  /** NOT_STARTED, FILLING, RUNNING, ATTENTION (running and failing on many devices), COMPLETED, FAILED. */
  state: string;
  /** `stage`: the halted stage's devices; `rollout`: every stage's up to it. */
  scope: string;
  /** `halt` or `abort`. */
  trigger?: string;
  stageIndexes: number[];
  groupName?: string;
  jobId?: string;
  /** Devices put in the rollback group (a device in two stages in scope counts twice). */
  devices: number;
  /** Left out: a health check judged them gone (they never came back; no job can reach them). */
  excluded: number;
  /** AWS refused the membership (the thing was deleted, or is in 10 groups already). */
  notAdded: number;
  /** The rollback job's executions as last read; `notReached`: queued, canceled or removed. */
  counts?: {
    succeeded: number;
    failed: number;
    rejected: number;
    timedOut: number;
    inProgress: number;
    notReached: number;
  };
  jobStatus?: string;
  startedAt?: number;
  attentionAt?: number;
  completedAt?: number;
  error?: string;
};

/** One stage's share of the rollback: its devices in the group and their rollback executions. */
export type StageRollbackReport = {
  devices: number;
  succeeded: number;
  /** FAILED, REJECTED or TIMED_OUT. */
  failed: number;
  inProgress: number;
  /** No execution yet, queued, canceled or removed. */
  notReached: number;
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
