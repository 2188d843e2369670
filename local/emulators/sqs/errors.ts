import * as SqsSdk from '@aws-sdk/client-sqs';
import { AwsError, modelledError } from '../common/errors';

const modelled = (name: string, message: string) => modelledError(SqsSdk, name, message);

/**
 * SQS errors with the status and awsQuery code its model declares; InvalidParameterValue and
 * MissingParameter are SQS's common errors, which the model does not list
 * (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/CommonErrors.html).
 */
export const sqsError = {
  nonExistent: (queue: unknown) =>
    modelled('QueueDoesNotExist', `The specified queue ${String(queue)} does not exist.`),
  receiptInvalid: (handle: string) =>
    modelled('ReceiptHandleIsInvalid', `The input receipt handle "${handle}" is not a valid receipt handle.`),
  notInFlight: () => modelled('MessageNotInflight', 'The message referred to is not in flight.'),
  nameExists: (name: string, attribute: string) =>
    modelled(
      'QueueNameExists',
      `A queue named ${name} already exists with a different value for attribute ${attribute}.`,
    ),
  attributeName: (name: string) => modelled('InvalidAttributeName', `Unknown Attribute ${name}.`),
  attributeValue: (name: string, reason: string) =>
    modelled('InvalidAttributeValue', `Invalid value for the parameter ${name}. Reason: ${reason}`),
  contents: () =>
    modelled(
      'InvalidMessageContents',
      'Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF.',
    ),
  unsupported: (message: string) => modelled('UnsupportedOperation', message),
  invalidParameter: (message: string) =>
    new AwsError('InvalidParameterValue', message, 400, 'InvalidParameterValue'),
  /** "Value 11 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided." */
  outOfRange: (name: string, value: unknown, min: number, max: number) =>
    new AwsError(
      'InvalidParameterValue',
      `Value ${String(value)} for parameter ${name} is invalid. Reason: Must be between ${min} and ${max}, if provided.`,
      400,
      'InvalidParameterValue',
    ),
  missing: (name: string) =>
    new AwsError(
      'MissingParameter',
      `The request must contain the parameter ${name}.`,
      400,
      'MissingParameter',
    ),
};

/** An optional integer parameter within [min, max]. */
export function intParam(
  input: Record<string, unknown>,
  name: string,
  min: number,
  max: number,
): number | undefined {
  const v = input[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw sqsError.outOfRange(name, v, min, max);
  }
  return v;
}
