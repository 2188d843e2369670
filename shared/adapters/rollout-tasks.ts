import {
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { TaskSender } from '../services/rollout-ports';

/** The token is gone: the task timed out, was answered already, or the execution stopped. */
const GONE = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);

/** Step Functions calls. A token is only ever passed through, never logged or returned. */
export function stepFunctionsTasks(client: SFNClient, stateMachineArn: string): TaskSender {
  return {
    /**
     * StartExecution named after the rollout (a resume's `<rolloutId>--r<n>-<nonce>`, from its halted stage):
     * a repeat with the same name and input is a no-op in AWS while the execution runs, and
     * ExecutionAlreadyExists once it closed: never a second execution.
     */
    async start(
      rolloutId: string,
      from: { name: string; stageIndex: number } = { name: rolloutId, stageIndex: 0 },
    ): Promise<{ executionArn: string } | { alreadyExists: true }> {
      try {
        const out = await client.send(
          new StartExecutionCommand({
            stateMachineArn,
            name: from.name,
            input: JSON.stringify({ rolloutId, stageIndex: from.stageIndex }),
          }),
        );
        return { executionArn: out.executionArn ?? '' };
      } catch (error) {
        if ((error as Error).name === 'ExecutionAlreadyExists') return { alreadyExists: true };
        throw error;
      }
    },
    async succeed(token: string, output: unknown): Promise<'sent' | 'gone'> {
      try {
        await client.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(output) }));
        return 'sent';
      } catch (error) {
        if (GONE.has((error as Error).name)) return 'gone';
        throw error;
      }
    },
    async fail(token: string, error: string, cause: string): Promise<'sent' | 'gone'> {
      try {
        await client.send(
          new SendTaskFailureCommand({ taskToken: token, error, cause: cause.slice(0, 32_768) }),
        );
        return 'sent';
      } catch (e) {
        if (GONE.has((e as Error).name)) return 'gone';
        throw e;
      }
    },
  };
}
