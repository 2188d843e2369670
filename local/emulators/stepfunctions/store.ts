import { randomUUID } from '../common/ids';
import { prepareDefinition } from './definition';
import { SfnApiError } from './errors';
import { Execution, type ExecutionEnv, type MachineRecord } from './execution';

const NAME = /^[A-Za-z0-9_-]{1,80}$/;

function checkName(name: string): void {
  if (!NAME.test(name)) throw new SfnApiError('InvalidName', `Invalid Name: '${name}'`);
}

/** State machines and executions of one emulator. */
export class Store {
  readonly machines = new Map<string, MachineRecord>();
  readonly executions = new Map<string, Execution>();

  constructor(
    private readonly env: ExecutionEnv,
    private readonly accountId: string,
  ) {}

  createMachine(name: string, definition: string, roleArn?: string, type = 'STANDARD'): MachineRecord {
    checkName(name);
    const arn = `arn:aws:states:${this.env.region}:${this.accountId}:stateMachine:${name}`;
    const role = roleArn ?? `arn:aws:iam::${this.accountId}:role/local-stepfunctions`;
    const existing = this.machines.get(arn);
    if (existing) {
      if (existing.definition === definition && existing.roleArn === role) return existing;
      throw new SfnApiError('StateMachineAlreadyExists', `State Machine Already Exists: '${arn}'`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(definition);
    } catch {
      throw new SfnApiError('InvalidDefinition', 'Invalid State Machine Definition: definition is not JSON');
    }
    const prepared = prepareDefinition(parsed);
    const machine = {
      arn,
      name,
      definition,
      roleArn: role,
      type,
      creationDate: this.env.clock.now(),
      prepared,
    };
    this.machines.set(arn, machine);
    return machine;
  }

  machine(arn: unknown): MachineRecord {
    const machine = this.machines.get(String(arn));
    if (machine) return machine;
    if (typeof arn !== 'string' || !arn.startsWith('arn:aws:states:')) {
      throw new SfnApiError('InvalidArn', `Invalid Arn: '${String(arn)}'`);
    }
    throw new SfnApiError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
  }

  execution(arn: unknown): Execution {
    const execution = this.executions.get(String(arn));
    if (execution) return execution;
    if (typeof arn !== 'string' || !arn.startsWith('arn:aws:states:')) {
      throw new SfnApiError('InvalidArn', `Invalid Arn: '${String(arn)}'`);
    }
    throw new SfnApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
  }

  /**
   * StartExecution. A name is unique per machine; repeating a running execution's name with the
   * same input returns that execution (AWS's idempotent start), anything else ExecutionAlreadyExists.
   */
  start(machineArn: unknown, name: unknown, input: unknown): { execution: Execution; started: boolean } {
    const machine = this.machine(machineArn);
    const executionName = typeof name === 'string' ? name : randomUUID();
    checkName(executionName);
    const text = typeof input === 'string' ? input : '{}';
    try {
      JSON.parse(text);
    } catch {
      throw new SfnApiError('InvalidExecutionInput', 'Invalid State Machine Execution Input: not JSON');
    }
    const arn = `${machine.arn.replace(':stateMachine:', ':execution:')}:${executionName}`;
    const existing = this.executions.get(arn);
    if (existing) {
      if (existing.status === 'RUNNING' && existing.input === text)
        return { execution: existing, started: false };
      throw new SfnApiError('ExecutionAlreadyExists', `Execution Already Exists: '${arn}'`);
    }
    const execution = new Execution(this.env, machine, executionName, text);
    this.executions.set(arn, execution);
    execution.start();
    return { execution, started: true };
  }
}
