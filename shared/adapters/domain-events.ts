import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { DOMAIN_EVENT_SOURCE } from '../domain/events/domain-event';
import type { DomainEventPublisher, OperatorNotifier } from '../services/effect-ports';

/** The ports are declared with the services; re-exported for the callers that still import them here. */
export type { DomainEventPublisher, OperatorNotifier };

/** PutEvents takes at most 10 entries per call. */
const PUT_EVENTS_MAX = 10;

/** Publishes on the project's bus; a partially failed PutEvents throws so the caller retries. */
export function eventBridgePublisher(client: EventBridgeClient, busName: string): DomainEventPublisher {
  return async (events) => {
    for (let i = 0; i < events.length; i += PUT_EVENTS_MAX) {
      const batch = events.slice(i, i + PUT_EVENTS_MAX);
      const result = await client.send(
        new PutEventsCommand({
          Entries: batch.map((e) => ({
            EventBusName: busName,
            Source: DOMAIN_EVENT_SOURCE,
            DetailType: e.detailType,
            Detail: JSON.stringify(e.detail),
            Resources: e.resources,
            Time: new Date(e.time),
          })),
        }),
      );
      if ((result.FailedEntryCount ?? 0) > 0) {
        const codes = (result.Entries ?? []).flatMap((entry) => (entry.ErrorCode ? [entry.ErrorCode] : []));
        throw Object.assign(
          new Error(`PutEvents rejected ${result.FailedEntryCount} entries: ${codes.join(', ')}`),
          {
            name: 'PutEventsFailedError',
          },
        );
      }
    }
  };
}

/** Operator notifications (on-call, approvers) over SNS. Subjects are capped at 100 characters by SNS. */
export function snsNotifier(client: SNSClient, topicArn: string): OperatorNotifier {
  return async ({ subject, message, attributes }) => {
    await client.send(
      new PublishCommand({
        TopicArn: topicArn,
        Subject: subject.slice(0, 100),
        Message: message,
        MessageAttributes: Object.fromEntries(
          Object.entries(attributes ?? {}).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]),
        ),
      }),
    );
  };
}
