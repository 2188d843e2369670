import { randomBytes } from 'node:crypto';
import { SfnApiError } from './errors';

export interface OpenTask {
  readonly executionArn: string;
  succeed(output: unknown): void;
  fail(error: string, cause: string): void;
  heartbeat(): void;
}

const TOKEN_SHAPE = /^AQ[A-Za-z0-9_-]{128}$/;

/**
 * Task tokens: one fresh opaque token per callback task attempt, open until the task closes.
 * Tokens are secrets; nothing here logs them. `issued()` lists every token ever minted so a test
 * can scan logs, audit records and events for leaks.
 */
export class TaskTokens {
  readonly #open = new Map<string, OpenTask>();
  readonly #issued = new Set<string>();

  mint(): string {
    const token = `AQ${randomBytes(96).toString('base64url')}`;
    this.#issued.add(token);
    return token;
  }

  open(token: string, task: OpenTask): void {
    this.#open.set(token, task);
  }

  close(token: string): void {
    this.#open.delete(token);
  }

  closeExecution(executionArn: string): void {
    for (const [token, task] of this.#open) if (task.executionArn === executionArn) this.#open.delete(token);
  }

  /** The open task for a token, or the error AWS answers SendTask* with. */
  get(token: unknown): OpenTask {
    if (typeof token !== 'string' || !TOKEN_SHAPE.test(token))
      throw new SfnApiError('InvalidToken', 'Invalid Token');
    const task = this.#open.get(token);
    if (task) return task;
    if (this.#issued.has(token)) {
      throw new SfnApiError('TaskTimedOut', "Task Timed Out: 'Provided task does not exist anymore'");
    }
    throw new SfnApiError('TaskDoesNotExist', 'Task does not exist');
  }

  issued(): readonly string[] {
    return [...this.#issued];
  }
}
