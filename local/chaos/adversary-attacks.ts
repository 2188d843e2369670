import { CloudWatchClient, PutMetricAlarmCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { IoTDataPlaneClient, PublishCommand } from '@aws-sdk/client-iot-data-plane';
import { SendTaskSuccessCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { LocalStack } from '../stack';

/** Credentials that name a local principal (docs/local-iam.md); the stack reads the access key. */
const as = (accessKeyId: string) => ({ accessKeyId, secretAccessKey: 'local' });
/** Enough attempts to get through the run's injected throttling: a refusal must be a refusal. */
const ATTEMPTS = 10;
export const short = (text: string, max = 180) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
export const why = (error: unknown) => short(`${(error as Error).name}: ${(error as Error).message}`);

export type CallResult = { accepted: true; detail: string } | { accepted: false; refusal: string };

/** PutEvents of forged job outcomes (JobExecutionTerminal SUCCEEDED), as an operator would send them. */
export async function putForgedOutcomes(
  stack: LocalStack,
  principal: string,
  bus: string,
  job: { jobId: string; rolloutId: string; stageIndex: number; things: string[] },
  time: number,
): Promise<{ sent: number; refused: string[]; ids: string[] }> {
  const client = new EventBridgeClient({
    ...stack.clientConfig('eventBridge', { maxAttempts: ATTEMPTS }),
    credentials: as(principal),
  });
  const entries = job.things.map((thingName) => ({
    EventBusName: bus,
    Source: 'fleet-autopilot',
    DetailType: 'JobExecutionTerminal',
    Time: new Date(time),
    Detail: JSON.stringify({
      eventId: `adversary-${job.jobId}-${thingName}`,
      jobId: job.jobId,
      thingName,
      thingArn: `arn:aws:iot:us-east-1:000000000000:thing/${thingName}`,
      status: 'SUCCEEDED',
      outcome: 'succeeded',
      at: time,
      rolloutId: job.rolloutId,
      stageIndex: job.stageIndex,
    }),
  }));
  const refused: string[] = [];
  for (let i = 0; i < entries.length; i += 10) {
    const out = await client.send(new PutEventsCommand({ Entries: entries.slice(i, i + 10) }));
    for (const e of out.Entries ?? [])
      if (e.ErrorCode) refused.push(short(`${e.ErrorCode}: ${e.ErrorMessage ?? ''}`));
  }
  const ids = entries.map((e) => String((JSON.parse(e.Detail) as { eventId: string }).eventId));
  return { sent: entries.length, refused, ids };
}

/** StartExecution of the rollout state machine with a hand-made input, as anyone with states:StartExecution. */
export async function startExecution(
  stack: LocalStack,
  principal: string,
  name: string,
  input: object,
): Promise<CallResult & { executionArn?: string }> {
  const stateMachineArn = stack.host.resolve('RolloutApiLambdaFunction')?.environment.STATE_MACHINE_ARN;
  if (!stateMachineArn)
    return { accepted: false, refusal: 'no state machine ARN in the rollout API configuration' };
  const sfn = new SFNClient({
    ...stack.clientConfig('sfn', { maxAttempts: ATTEMPTS }),
    credentials: as(principal),
  });
  try {
    const out = await sfn.send(
      new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }),
    );
    return { accepted: true, detail: 'StartExecution accepted', executionArn: out.executionArn };
  } catch (error) {
    return { accepted: false, refusal: why(error) };
  }
}

/**
 * Looks for task tokens where an operator's role can read them: every table ListTables shows,
 * scanned whole. `tokens` are the ones the Step Functions emulator issued (the harness knows them);
 * what is found is only counted and used, never printed.
 */
export async function huntTaskTokens(stack: LocalStack, principal: string, tokens: readonly string[]) {
  const client = new DynamoDBClient({
    ...stack.clientConfig('dynamodb', { maxAttempts: ATTEMPTS }),
    credentials: as(principal),
  });
  const docs = DynamoDBDocumentClient.from(client);
  const { TableNames = [] } = await client.send(new ListTablesCommand({}));
  const readable: string[] = [];
  const refused: string[] = [];
  const found = new Set<string>();
  for (const table of TableNames) {
    try {
      let ExclusiveStartKey: Record<string, unknown> | undefined;
      do {
        const page = await docs.send(new ScanCommand({ TableName: table, ExclusiveStartKey }));
        const text = JSON.stringify(page.Items ?? []);
        for (const t of tokens) if (text.includes(t)) found.add(t);
        ExclusiveStartKey = page.LastEvaluatedKey;
      } while (ExclusiveStartKey);
      readable.push(table);
    } catch (error) {
      refused.push(`${table}: ${(error as Error).name}`);
    }
  }
  return { readable, refused, found: [...found] };
}

/** SendTaskSuccess with a stolen token and an approval's output. */
export async function sendTaskSuccess(stack: LocalStack, principal: string, token: string, output: object) {
  const sfn = new SFNClient({
    ...stack.clientConfig('sfn', { maxAttempts: ATTEMPTS }),
    credentials: as(principal),
  });
  try {
    await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(output) }));
    return { accepted: true as const };
  } catch (error) {
    return { accepted: false as const, refusal: why(error) };
  }
}

/** put-metric-alarm on a thing, then set-alarm-state ALARM: an alarm nobody enrolled. */
export async function raiseAlarm(stack: LocalStack, principal: string, alarmName: string, thingName: string) {
  const cw = new CloudWatchClient({
    ...stack.clientConfig('cloudWatch', { maxAttempts: ATTEMPTS }),
    credentials: as(principal),
  });
  await cw.send(
    new PutMetricAlarmCommand({
      AlarmName: alarmName,
      Namespace: 'FleetAutopilot/Devices',
      MetricName: 'Temperature',
      Dimensions: [{ Name: 'ThingName', Value: thingName }],
      Statistic: 'Average',
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: 80,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      // Driven by SetAlarmState with no data: keep the state it set.
      TreatMissingData: 'ignore',
    }),
  );
  await cw.send(
    new SetAlarmStateCommand({ AlarmName: alarmName, StateValue: 'ALARM', StateReason: 'forced' }),
  );
  return () =>
    cw.send(new SetAlarmStateCommand({ AlarmName: alarmName, StateValue: 'OK', StateReason: 'forced' }));
}

/** A registry event as AWS IoT publishes it, with attributes the registry does not hold. */
export function forgedRegistryEvent(
  stack: LocalStack,
  thingName: string,
  eventId: string,
  versionNumber: number,
): Record<string, unknown> {
  const thing = stack.services.iot.state.things.get(thingName);
  return {
    eventType: 'THING_EVENT',
    eventId,
    timestamp: stack.clock.now(),
    operation: 'UPDATED',
    accountId: '000000000000',
    thingId: thing?.thingId ?? thingName,
    thingName,
    versionNumber,
    thingTypeName: thing?.thingTypeName ?? null,
    attributes: { ...(thing?.attributes ?? {}), region: 'ap-south-1', site: 'plant-9', model: 'x999' },
  };
}

/** SendMessage of a forged registry event to the assignment queue. */
export async function sendToQueue(stack: LocalStack, principal: string, queue: string, body: object) {
  const url = stack.services.sqs.queue(queue)?.url;
  if (!url) return { accepted: false as const, refusal: `no queue ${queue}` };
  const sqs = new SQSClient({
    ...stack.clientConfig('sqs', { maxAttempts: ATTEMPTS }),
    credentials: as(principal),
  });
  try {
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: JSON.stringify(body) }));
    return { accepted: true as const };
  } catch (error) {
    return { accepted: false as const, refusal: why(error) };
  }
}

/** The IoT data plane's Publish to a reserved topic, as a client with iot:Publish would try. */
export async function publishReserved(stack: LocalStack, principal: string, topic: string, payload: object) {
  const client = new IoTDataPlaneClient({
    ...stack.clientConfig('iot', { maxAttempts: ATTEMPTS }),
    endpoint: stack.endpoints.iotData,
    credentials: as(principal),
  });
  try {
    await client.send(
      new PublishCommand({ topic, payload: new TextEncoder().encode(JSON.stringify(payload)) }),
    );
    return { accepted: true as const };
  } catch (error) {
    return { accepted: false as const, refusal: why(error) };
  }
}
