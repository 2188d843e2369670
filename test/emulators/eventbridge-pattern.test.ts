import { describe, expect, it } from 'vitest';
import { matchesPattern, patternError } from '../../local/emulators/eventbridge/pattern';

// The example event of the EventBridge "Creating event patterns" / content-filtering docs.
const event = {
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '111122223333',
  time: '2017-12-22T18:43:48Z',
  region: 'us-west-1',
  resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'],
  detail: {
    'instance-id': 'i-1234567890abcdef0',
    state: 'terminated',
    'c-count': 5,
    'd-count': 3,
    'x-limit': 301.8,
    'source-ip': '10.0.0.123',
    FileName: 'photo.PNG',
    responseElements: null,
    tags: ['blue', 'canary'],
    nested: {
      list: [
        { name: 'a', ok: true },
        { name: 'b', ok: false },
      ],
    },
  },
};

const cases: [string, unknown, boolean][] = [
  ['exact source', { source: ['aws.ec2'] }, true],
  ['exact source miss', { source: ['aws.s3'] }, false],
  ['array is OR', { source: ['aws.s3', 'aws.ec2'] }, true],
  ['value matches any element of an event array', { resources: [event.resources[0]] }, true],
  ['nested object', { detail: { state: ['terminated'] } }, true],
  ['nested object miss', { detail: { state: ['running'] } }, false],
  ['all fields must match (AND)', { source: ['aws.ec2'], detail: { state: ['running'] } }, false],
  ['string does not equal number', { detail: { 'c-count': ['5'] } }, false],
  ['number equals number', { detail: { 'c-count': [5] } }, true],
  ['null matches null', { detail: { responseElements: [null] } }, true],
  ['null does not match a missing field', { detail: { nothing: [null] } }, false],
  ['prefix', { time: [{ prefix: '2017-12-22' }] }, true],
  ['prefix miss', { time: [{ prefix: '2018' }] }, false],
  [
    'prefix equals-ignore-case',
    { 'detail-type': [{ prefix: { 'equals-ignore-case': 'ec2 instance' } }] },
    true,
  ],
  ['suffix is case-sensitive', { detail: { FileName: [{ suffix: '.png' }] } }, false],
  [
    'suffix equals-ignore-case',
    { detail: { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] } },
    true,
  ],
  [
    'equals-ignore-case',
    { 'detail-type': [{ 'equals-ignore-case': 'ec2 instance state-change notification' }] },
    true,
  ],
  ['anything-but value', { detail: { state: [{ 'anything-but': 'initializing' }] } }, true],
  ['anything-but value miss', { detail: { state: [{ 'anything-but': 'terminated' }] } }, false],
  ['anything-but list', { detail: { state: [{ 'anything-but': ['stopped', 'terminated'] }] } }, false],
  ['anything-but number', { detail: { 'c-count': [{ 'anything-but': [4, 6] }] } }, true],
  ['anything-but prefix', { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } }, true],
  ['anything-but prefix miss', { detail: { state: [{ 'anything-but': { prefix: 'term' } }] } }, false],
  ['anything-but suffix', { detail: { FileName: [{ 'anything-but': { suffix: '.PNG' } }] } }, false],
  ['anything-but does not match a missing field', { detail: { nope: [{ 'anything-but': 'x' }] } }, false],
  ['numeric range', { detail: { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] } }, true],
  ['numeric range miss', { detail: { 'c-count': [{ numeric: ['>', 5] }] } }, false],
  ['numeric equals', { detail: { 'x-limit': [{ numeric: ['=', 3.018e2] }] } }, true],
  ['numeric ignores strings', { detail: { state: [{ numeric: ['>', 0] }] } }, false],
  ['exists true', { detail: { state: [{ exists: true }] } }, true],
  ['exists true on missing', { detail: { nope: [{ exists: true }] } }, false],
  ['exists false on missing', { detail: { nope: [{ exists: false }] } }, true],
  ['exists false on present', { detail: { state: [{ exists: false }] } }, false],
  ['exists false through a missing parent', { detail: { missing: { child: [{ exists: false }] } } }, true],
  ['exists looks at leaves only', { detail: { nested: [{ exists: true }] } }, false],
  ['wildcard', { detail: { 'instance-id': [{ wildcard: 'i-*def0' }] } }, true],
  ['array of objects in event', { detail: { nested: { list: { name: ['b'] } } } }, true],
  [
    '$or matches one branch',
    { detail: { $or: [{ 'c-count': [{ numeric: ['>', 10] }] }, { 'd-count': [{ numeric: ['<', 10] }] }] } },
    true,
  ],
  [
    '$or matches no branch',
    { detail: { $or: [{ 'c-count': [{ numeric: ['>', 10] }] }, { state: ['running'] }] } },
    false,
  ],
  [
    'CloudWatch alarm rule pattern ("Alarm events and EventBridge")',
    { source: ['aws.cloudwatch'], 'detail-type': ['CloudWatch Alarm State Change'] },
    false,
  ],
];

describe('matchesPattern (EventBridge docs examples)', () => {
  it.each(cases)('%s', (_name, pattern, expected) => {
    expect(matchesPattern(pattern, event)).toBe(expected);
  });
});

describe('patternError', () => {
  it.each([
    ['leaf that is not an array', { source: 'aws.ec2' }],
    ['empty array', { source: [] }],
    ['unknown operator', { source: [{ 'starts-with': 'aws' }] }],
    ['odd numeric range', { detail: { n: [{ numeric: ['>'] }] } }],
    ['$or with a single branch', { $or: [{ source: ['a'] }] }],
    ['not an object', ['aws.ec2']],
  ])('rejects %s', (_name, pattern) => {
    expect(patternError(pattern)).toMatch(/^Event pattern is not valid/);
  });

  it('accepts a valid pattern', () => {
    expect(patternError({ source: ['a'], detail: { n: [{ numeric: ['>', 1] }, { exists: false }] } })).toBe(
      undefined,
    );
  });
});
