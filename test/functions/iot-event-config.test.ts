import {
  DescribeEventConfigurationsCommand,
  IoTClient,
  UpdateEventConfigurationsCommand,
} from '@aws-sdk/client-iot';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { eventTypesToEnable } from '../../shared/domain/event-configurations';
import { lambdaContext } from '../helpers/lambda';

const iot = mockClient(IoTClient);
const responses: { url: string; body: Record<string, unknown> }[] = [];
let handler: (event: CloudFormationCustomResourceEvent, context: unknown) => Promise<void>;

beforeAll(async () => {
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  ({ handler } = (await import('../../functions/iot-event-config')) as unknown as {
    handler: typeof handler;
  });
});

beforeEach(() => {
  iot.reset();
  responses.length = 0;
  vi.stubGlobal('fetch', async (url: string, init: { body: string }) => {
    responses.push({ url, body: JSON.parse(init.body) });
    return { ok: true, status: 200 };
  });
});
afterEach(() => vi.unstubAllGlobals());

const event = (RequestType: 'Create' | 'Update' | 'Delete'): CloudFormationCustomResourceEvent =>
  ({
    RequestType,
    ServiceToken: 'arn',
    ResponseURL: 'https://cloudformation-custom-resource-response.example/presigned',
    StackId: 'stack',
    RequestId: 'req',
    LogicalResourceId: 'IotEventConfiguration',
    ResourceType: 'Custom::IotEventConfiguration',
    PhysicalResourceId: 'fleet-autopilot-iot-event-configurations',
    ResourceProperties: {
      ServiceToken: 'arn',
      EventTypes: ['THING', 'THING_GROUP_MEMBERSHIP', 'JOB', 'JOB_EXECUTION'],
    },
  }) as CloudFormationCustomResourceEvent;

describe('eventTypesToEnable()', () => {
  it('switches on only what is off and never lists anything to switch off', () => {
    expect(
      eventTypesToEnable({ THING: { Enabled: true }, JOB: { Enabled: false } }, [
        'THING',
        'JOB',
        'JOB_EXECUTION',
      ]),
    ).toEqual(['JOB', 'JOB_EXECUTION']);
  });
});

describe('iot-event-config custom resource', () => {
  it('enables the missing event types and answers SUCCESS', async () => {
    iot
      .on(DescribeEventConfigurationsCommand)
      .resolves({ eventConfigurations: { THING: { Enabled: true } } });
    iot.on(UpdateEventConfigurationsCommand).resolves({});
    await handler(event('Create'), lambdaContext('iot-event-config'));
    expect(iot.commandCalls(UpdateEventConfigurationsCommand)[0]?.args[0].input).toEqual({
      eventConfigurations: {
        THING_GROUP_MEMBERSHIP: { Enabled: true },
        JOB: { Enabled: true },
        JOB_EXECUTION: { Enabled: true },
      },
    });
    expect(responses[0]?.body).toMatchObject({
      Status: 'SUCCESS',
      PhysicalResourceId: 'fleet-autopilot-iot-event-configurations',
    });
  });

  it('leaves every event type as it is when the stack is removed', async () => {
    await handler(event('Delete'), lambdaContext('iot-event-config'));
    expect(iot.calls()).toHaveLength(0);
    expect(responses[0]?.body.Status).toBe('SUCCESS');
  });

  it('answers FAILED with the reason instead of leaving CloudFormation waiting', async () => {
    iot
      .on(DescribeEventConfigurationsCommand)
      .rejects(Object.assign(new Error('Access denied'), { name: 'UnauthorizedException' }));
    await handler(event('Update'), lambdaContext('iot-event-config'));
    expect(responses[0]?.body).toMatchObject({ Status: 'FAILED', Reason: 'Access denied' });
  });
});
