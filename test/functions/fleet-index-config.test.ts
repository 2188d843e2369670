import {
  GetIndexingConfigurationCommand,
  IoTClient,
  UpdateIndexingConfigurationCommand,
} from '@aws-sdk/client-iot';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
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
  ({ handler } = (await import('../../functions/fleet-index-config')) as unknown as {
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
    LogicalResourceId: 'FleetIndexingConfiguration',
    ResourceType: 'Custom::FleetIndexingConfiguration',
    PhysicalResourceId: 'fleet-autopilot-fleet-indexing',
    ResourceProperties: { ServiceToken: 'arn' },
  }) as CloudFormationCustomResourceEvent;

describe('fleet-index-config custom resource', () => {
  it('reads the account first and raises it, keeping what the account had, then answers SUCCESS', async () => {
    iot.on(GetIndexingConfigurationCommand).resolves({
      thingIndexingConfiguration: {
        thingIndexingMode: 'REGISTRY',
        customFields: [{ name: 'attributes.version', type: 'Number' }],
        managedFields: [{ name: 'thingName', type: 'String' }],
      },
      thingGroupIndexingConfiguration: { thingGroupIndexingMode: 'OFF' },
    });
    iot.on(UpdateIndexingConfigurationCommand).resolves({});
    await handler(event('Create'), lambdaContext('fleet-index-config'));
    expect(iot.commandCalls(UpdateIndexingConfigurationCommand)[0]?.args[0].input).toEqual({
      thingIndexingConfiguration: {
        thingIndexingMode: 'REGISTRY_AND_SHADOW',
        thingConnectivityIndexingMode: 'STATUS',
        namedShadowIndexingMode: 'ON',
        customFields: [{ name: 'attributes.version', type: 'Number' }],
        filter: { namedShadowNames: ['$package'] },
      },
      thingGroupIndexingConfiguration: { thingGroupIndexingMode: 'ON' },
    });
    expect(responses[0]?.body).toMatchObject({
      Status: 'SUCCESS',
      PhysicalResourceId: 'fleet-autopilot-fleet-indexing',
    });
  });

  it('changes nothing when the account already indexes what is needed', async () => {
    iot.on(GetIndexingConfigurationCommand).resolves({
      thingIndexingConfiguration: {
        thingIndexingMode: 'REGISTRY_AND_SHADOW',
        thingConnectivityIndexingMode: 'STATUS',
        namedShadowIndexingMode: 'ON',
        filter: { namedShadowNames: ['$package'] },
      },
      thingGroupIndexingConfiguration: { thingGroupIndexingMode: 'ON' },
    });
    await handler(event('Update'), lambdaContext('fleet-index-config'));
    expect(iot.commandCalls(UpdateIndexingConfigurationCommand)).toHaveLength(0);
    expect(responses[0]?.body.Status).toBe('SUCCESS');
  });

  it('leaves indexing on when the stack is removed', async () => {
    await handler(event('Delete'), lambdaContext('fleet-index-config'));
    expect(iot.calls()).toHaveLength(0);
    expect(responses[0]?.body.Status).toBe('SUCCESS');
  });

  it('answers FAILED with the reason instead of leaving CloudFormation waiting', async () => {
    iot
      .on(GetIndexingConfigurationCommand)
      .rejects(Object.assign(new Error('Access denied'), { name: 'UnauthorizedException' }));
    await handler(event('Create'), lambdaContext('fleet-index-config'));
    expect(responses[0]?.body).toMatchObject({ Status: 'FAILED', Reason: 'Access denied' });
  });
});
