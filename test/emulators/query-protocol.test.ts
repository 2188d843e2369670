import * as CloudWatchSdk from '@aws-sdk/client-cloudwatch';
import * as SqsSdk from '@aws-sdk/client-sqs';
import { QueryShapeSerializer } from '@aws-sdk/core/protocols';
import { describe, expect, it } from 'vitest';
import { decodeQuery, encodeXml } from '../../local/emulators/common/query';
import { serviceModel } from '../../local/emulators/common/smithy';

// The server side of awsQuery must read exactly what AWS SDK v3's own Query serializer writes.
const cw = serviceModel(CloudWatchSdk);
const sqs = serviceModel(SqsSdk);

function serialize(schema: unknown, input: Record<string, unknown>): URLSearchParams {
  const serializer = new QueryShapeSerializer({
    timestampFormat: { useTrait: true, default: 5 },
    serializeEmptyLists: true,
  } as never);
  serializer.write(schema as never, input);
  return new URLSearchParams(String(serializer.flush()));
}

describe('awsQuery decoding', () => {
  it('reads nested lists, structures and empty lists as the SDK writes them', () => {
    const op = cw.get('PutMetricAlarm');
    const input = {
      AlarmName: 'fleet-tunnel-pump-1',
      ActionsEnabled: false,
      AlarmActions: [],
      OKActions: ['arn:aws:sns:us-east-1:000000000000:ops'],
      Dimensions: [
        { Name: 'ThingName', Value: 'pump-1' },
        { Name: 'Site', Value: 'a' },
      ],
      Metrics: [
        {
          Id: 'm1',
          MetricStat: {
            Metric: { Namespace: 'Fleet', MetricName: 'T', Dimensions: [{ Name: 'A', Value: 'b' }] },
            Period: 60,
            Stat: 'Maximum',
          },
          ReturnData: true,
        },
      ],
      Threshold: 80.5,
      EvaluationPeriods: 2,
      Tags: [{ Key: 'k', Value: 'v' }],
    };
    const params = serialize(op?.input, input);
    expect(params.get('Dimensions.member.2.Value')).toBe('a');
    expect(decodeQuery(op?.input as never, params)).toEqual(input);
  });

  it('reads flattened lists and maps with their XML names (SQS)', () => {
    const op = sqs.get('SendMessage');
    const input = {
      QueueUrl: 'http://q/000000000000/q',
      MessageBody: 'hi',
      DelaySeconds: 5,
      MessageAttributes: {
        City: { DataType: 'String', StringValue: 'Any City' },
        Population: { DataType: 'Number', StringValue: '1250800' },
      },
    };
    const params = serialize(op?.input, input);
    expect(params.get('MessageAttribute.1.Name')).toBe('City');
    expect(decodeQuery(op?.input as never, params)).toEqual(input);
    const receive = sqs.get('ReceiveMessage');
    const wanted = { QueueUrl: 'u', AttributeNames: ['All'], MessageAttributeNames: ['City', 'bar.*'] };
    const received = serialize(receive?.input, wanted);
    expect(received.get('AttributeName.1')).toBe('All');
    // In the query model both AttributeNames and MessageSystemAttributeNames travel as AttributeName.N.
    expect(decodeQuery(receive?.input as never, received)).toEqual({
      ...wanted,
      MessageSystemAttributeNames: ['All'],
    });
  });

  it('writes flattened members without a wrapper and plain lists as <member>', () => {
    const receive = sqs.get('ReceiveMessage');
    const xml = encodeXml(
      receive?.output as never,
      { Messages: [{ MessageId: 'm', Body: 'a<b', Attributes: { SenderId: 'x' } }] },
      'ReceiveMessageResult',
    );
    expect(xml).toBe(
      '<ReceiveMessageResult><Message><MessageId>m</MessageId><Body>a&#60;b</Body>' +
        '<Attribute><Name>SenderId</Name><Value>x</Value></Attribute></Message></ReceiveMessageResult>',
    );
    const describe = cw.get('DescribeAlarms');
    const alarms = encodeXml(
      describe?.output as never,
      {
        MetricAlarms: [{ AlarmName: 'a', Dimensions: [{ Name: 'n', Value: 'v' }], StateUpdatedTimestamp: 1 }],
      },
      'DescribeAlarmsResult',
    );
    expect(alarms).toContain(
      '<MetricAlarms><member><AlarmName>a</AlarmName><StateUpdatedTimestamp>1970-01-01T00:00:01.000Z</StateUpdatedTimestamp>',
    );
    expect(alarms).toContain('<Dimensions><member><Name>n</Name><Value>v</Value></member></Dimensions>');
  });
});
