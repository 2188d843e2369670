import { executionArnFor } from '../../shared/domain/rollout/execution';
import type { TaskSender } from '../../shared/services/rollout-ports';
import { awsError, Faults, throttled } from './faults';

type Execution = { input: string; status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED' };
export type Sent =
  | { token: string; kind: 'success'; output: unknown }
  | { token: string; kind: 'failure'; error: string; cause: string };

/** SendTaskSuccess's output limit (the Step Functions API reference). */
const MAX_OUTPUT = 262_144;

/**
 * Step Functions as shared/adapters/rollout-tasks.ts sees it. StartExecution: one execution per name;
 * the same name and input while it runs is that execution again, anything else ExecutionAlreadyExists
 * (`alreadyExists`). Task tokens: issued by a waiting state, answered once; an unknown, answered or
 * timed-out token is TaskDoesNotExist / InvalidToken / TaskTimedOut, which the adapter reports as
 * `gone`. Throttling is injectable.
 */
export class FakeStepFunctions implements TaskSender {
  readonly executions = new Map<string, Execution>();
  readonly sent: Sent[] = [];
  readonly faults = new Faults();
  private readonly open = new Set<string>();
  private issued = 0;

  constructor(readonly stateMachineArn: string) {}

  /** A token a waiting state hands out (`$$.Task.Token`). */
  issueToken(label = 'wait'): string {
    this.issued += 1;
    const token = `TOKEN-SECRET-${label}-${this.issued}`;
    this.open.add(token);
    return token;
  }

  /** The wait timed out (or its execution stopped): its token can no longer be answered. */
  closeToken(token: string): void {
    this.open.delete(token);
  }

  isOpen(token: string): boolean {
    return this.open.has(token);
  }

  /** The next `times` sends (or starts) are throttled. */
  throttle(method: keyof TaskSender, times = 1): void {
    this.faults.inject(method, throttled(), times);
  }

  /** An execution ends (a later StartExecution of its name is ExecutionAlreadyExists). */
  close(name: string, status: Execution['status'] = 'SUCCEEDED'): void {
    const execution = this.executions.get(name);
    if (execution) execution.status = status;
  }

  async start(
    rolloutId: string,
    from: { name: string; stageIndex: number } = { name: rolloutId, stageIndex: 0 },
  ): Promise<{ executionArn: string } | { alreadyExists: true }> {
    this.faults.check('start');
    const input = JSON.stringify({ rolloutId, stageIndex: from.stageIndex });
    const existing = this.executions.get(from.name);
    if (existing)
      return existing.status === 'RUNNING' && existing.input === input
        ? { executionArn: executionArnFor(this.stateMachineArn, from.name) }
        : { alreadyExists: true };
    this.executions.set(from.name, { input, status: 'RUNNING' });
    return { executionArn: executionArnFor(this.stateMachineArn, from.name) };
  }

  async succeed(token: string, output: unknown): Promise<'sent' | 'gone'> {
    this.faults.check('succeed');
    if (!this.open.has(token)) return 'gone';
    if (JSON.stringify(output).length > MAX_OUTPUT) throw awsError('InvalidOutput');
    this.open.delete(token);
    this.sent.push({ token, kind: 'success', output: structuredClone(output) });
    return 'sent';
  }

  async fail(token: string, error: string, cause: string): Promise<'sent' | 'gone'> {
    this.faults.check('fail');
    if (!this.open.delete(token)) return 'gone';
    this.sent.push({ token, kind: 'failure', error, cause: cause.slice(0, 32_768) });
    return 'sent';
  }

  /** The tokens answered, in order. */
  tokensSent(): string[] {
    return this.sent.map((s) => s.token);
  }
}
