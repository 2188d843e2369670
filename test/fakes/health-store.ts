import type { AlarmState } from '../../shared/domain/rollout/health-alarms';
import type { PackageShadow } from '../../shared/domain/rollout/health-package';
import { mergePresence, type PresenceEvent } from '../../shared/domain/rollout/health-presence';
import { attemptOfJob } from '../../shared/domain/rollout/ids';
import type { StageHealth, StageHealthItem } from '../../shared/domain/rollout/stage-health';
import type {
  AlarmReader,
  ExecutionRead,
  ExecutionReader,
  HealthStore,
  HealthWatch,
  PackageReader,
  Suspect,
  SuspectReason,
  SuspectVerdict,
} from '../../shared/services/health-ports';

const stageKey = (rolloutId: string, stageIndex: number) => `${rolloutId}#${stageIndex}`;
const suspectKey = (s: Pick<Suspect, 'rolloutId' | 'stageIndex' | 'thingName' | 'reason' | 'jobId'>) =>
  `${stageKey(s.rolloutId, s.stageIndex)}#${attemptOfJob(s.jobId)}#${s.thingName}#${s.reason}`;

/**
 * The state table's health records in memory, with the rules of shared/adapters/health-store.ts: a
 * suspect is created once per thing and reason (and bumps its stage's `suspects_<reason>` count, only if
 * the stage exists), a verdict is never overwritten, a watch keeps the newest success, presence merges
 * through mergePresence, the stage's health keeps the newest check. Copies go in and out, as with a table.
 */
export class FakeHealthStore implements HealthStore {
  readonly presence = new Map<string, PresenceEvent[]>();
  readonly watches = new Map<string, HealthWatch>();
  readonly suspectItems = new Map<string, Suspect>();
  readonly stages = new Map<string, StageHealthItem>();
  /** Every write, in order (`putSuspect:<thing>#<reason>`, …): what a test can count. */
  readonly writes: string[] = [];

  /** @param stageExists the stage item is there (the adapter's transaction and update require it) */
  constructor(
    private readonly stageExists: (rolloutId: string, stageIndex: number) => boolean = () => true,
  ) {}

  /** The stage item's health fields (suspect counts, Reconcile's finding), as toStage reads them. */
  stageItem(rolloutId: string, stageIndex: number): StageHealthItem {
    return structuredClone(this.stages.get(stageKey(rolloutId, stageIndex)) ?? {});
  }

  async recordPresence(thingName: string, event: PresenceEvent, _at: number): Promise<PresenceEvent[]> {
    const history = this.presence.get(thingName) ?? [];
    const merged = mergePresence(history, event);
    if (JSON.stringify(merged) === JSON.stringify(history)) return structuredClone(history);
    this.writes.push(`recordPresence:${thingName}`);
    this.presence.set(thingName, merged);
    return structuredClone(merged);
  }

  async presenceOf(thingNames: readonly string[]): Promise<Map<string, PresenceEvent[]>> {
    const found = new Map<string, PresenceEvent[]>();
    for (const name of new Set(thingNames)) {
      const history = this.presence.get(name);
      if (history) found.set(name, structuredClone(history));
    }
    return found;
  }

  async putWatch(watch: HealthWatch): Promise<void> {
    const key = `${watch.thingName}#${watch.rolloutId}`;
    const current = this.watches.get(key);
    // The newest success of the thing in this rollout is the one watched.
    if (current && current.succeededAt > watch.succeededAt) return;
    this.writes.push(`putWatch:${watch.thingName}`);
    this.watches.set(key, structuredClone(watch));
  }

  async watchesOf(thingName: string): Promise<HealthWatch[]> {
    return [...this.watches.values()].filter((w) => w.thingName === thingName).map((w) => structuredClone(w));
  }

  async putSuspect(suspect: Suspect): Promise<boolean> {
    const key = suspectKey(suspect);
    if (this.suspectItems.has(key) || !this.stageExists(suspect.rolloutId, suspect.stageIndex)) return false;
    this.writes.push(`putSuspect:${suspect.thingName}#${suspect.reason}`);
    this.suspectItems.set(key, structuredClone(suspect));
    const item = this.stages.get(stageKey(suspect.rolloutId, suspect.stageIndex)) ?? {};
    const counts: Partial<Record<SuspectReason, number>> = { ...item.suspects };
    counts[suspect.reason] = (counts[suspect.reason] ?? 0) + 1;
    this.stages.set(stageKey(suspect.rolloutId, suspect.stageIndex), { ...item, suspects: counts });
    return true;
  }

  async suspects(rolloutId: string, stageIndex: number, attempt = 0): Promise<Suspect[]> {
    const prefix = `${stageKey(rolloutId, stageIndex)}#`;
    // The Query's order: by sort key, `THING#<name>#<reason>`; one attempt's partition.
    return [...this.suspectItems.entries()]
      .filter(([key, s]) => key.startsWith(prefix) && attemptOfJob(s.jobId) === attempt)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, s]) => structuredClone(s));
  }

  async judgeSuspect(
    s: Suspect,
    verdict: SuspectVerdict,
    at: number,
    evidence: string,
    startedAt?: number,
  ): Promise<void> {
    const key = suspectKey(s);
    const current = this.suspectItems.get(key);
    // A final verdict is never changed.
    if (!current || current.verdict !== undefined) return;
    this.writes.push(`judgeSuspect:${s.thingName}#${s.reason}`);
    this.suspectItems.set(key, {
      ...current,
      verdict,
      judgedAt: at,
      evidence: evidence.slice(0, 300),
      ...(startedAt === undefined ? {} : { startedAt }),
    });
  }

  async foldSuccessBuckets(
    rolloutId: string,
    stageIndex: number,
    buckets: Readonly<Record<string, number>>,
  ): Promise<boolean> {
    if (Object.keys(buckets).length === 0) return false;
    const key = stageKey(rolloutId, stageIndex);
    const item = this.stages.get(key) ?? {};
    const current = { ...(item.okBuckets ?? {}) };
    if (Object.entries(buckets).some(([b, v]) => current[b] !== v)) return false;
    let sum = 0;
    for (const [b, v] of Object.entries(buckets)) {
      delete current[b];
      sum += v;
    }
    this.writes.push(`foldSuccessBuckets:${rolloutId}#${stageIndex}`);
    this.stages.set(key, { ...item, okBuckets: current, okMatured: (item.okMatured ?? 0) + sum });
    return true;
  }

  async setStageHealth(rolloutId: string, stageIndex: number, health: StageHealth): Promise<void> {
    if (!this.stageExists(rolloutId, stageIndex)) return;
    const key = stageKey(rolloutId, stageIndex);
    const item = this.stages.get(key) ?? {};
    if (item.health && item.health.checkedAt > health.checkedAt) return;
    this.writes.push(`setStageHealth:${rolloutId}#${stageIndex}`);
    this.stages.set(key, { ...item, health: structuredClone(health) });
  }
}

/** DescribeAlarms by name: only the alarms that exist are answered; each call is kept. */
export class FakeAlarms implements AlarmReader {
  readonly alarms = new Map<string, AlarmState>();
  readonly calls: string[][] = [];

  constructor(alarms: readonly AlarmState[] = []) {
    for (const a of alarms) this.alarms.set(a.name, a);
  }

  async alarmStates(names: readonly string[]): Promise<AlarmState[]> {
    this.calls.push([...names]);
    return names.flatMap((n) => {
      const a = this.alarms.get(n);
      return a ? [structuredClone(a)] : [];
    });
  }
}

/** DescribeJobExecution: undefined for an execution that does not exist; each call is kept. */
export class FakeExecutions implements ExecutionReader {
  readonly executions = new Map<string, ExecutionRead>();
  readonly calls: string[] = [];

  set(jobId: string, thingName: string, read: ExecutionRead): void {
    this.executions.set(`${jobId}/${thingName}`, read);
  }

  async describeExecution(jobId: string, thingName: string): Promise<ExecutionRead | undefined> {
    this.calls.push(`${jobId}/${thingName}`);
    const read = this.executions.get(`${jobId}/${thingName}`);
    return read ? structuredClone(read) : undefined;
  }
}

/** GetThingShadow of `$package` and GetPackageConfiguration: each shadow read is kept. */
export class FakePackages implements PackageReader {
  readonly shadows = new Map<string, PackageShadow>();
  readonly reads: string[] = [];

  constructor(public versionUpdateByJobsEnabled = true) {}

  /** The thing's `$package` reported state (AWS's shape: `{ <package>: { version } }`). */
  report(thingName: string, versions: Record<string, string>): void {
    const reported = Object.fromEntries(Object.entries(versions).map(([p, version]) => [p, { version }]));
    this.shadows.set(thingName, { reported });
  }

  async packageShadow(thingName: string): Promise<PackageShadow | undefined> {
    this.reads.push(thingName);
    const shadow = this.shadows.get(thingName);
    return shadow ? structuredClone(shadow) : undefined;
  }

  async versionUpdateByJobs(): Promise<boolean> {
    return this.versionUpdateByJobsEnabled;
  }
}
