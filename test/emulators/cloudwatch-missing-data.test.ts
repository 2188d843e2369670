import { describe, expect, it } from 'vitest';
import { type Evaluable, judge, type Point, type Treat } from '../../local/emulators/cloudwatch/metric-alarm';

/**
 * The CloudWatch User Guide's tables in "How alarm state is evaluated when data is missing": five
 * datapoints retrieved for 3 evaluation periods, oldest first; 0 within the threshold, X breaching,
 * - missing; `retain` is "Retain current state" (judge answers undefined).
 */
const TREATS: Treat[] = ['missing', 'ignore', 'breaching', 'notBreaching'];
const THREE_OF_THREE: [string, string[]][] = [
  ['0 - X - X', ['OK', 'OK', 'OK', 'OK']],
  ['0 - - - -', ['OK', 'OK', 'OK', 'OK']],
  ['- - - - -', ['INSUFFICIENT_DATA', 'retain', 'ALARM', 'OK']],
  ['0 X X - X', ['ALARM', 'ALARM', 'ALARM', 'ALARM']],
  ['- - - - X', ['INSUFFICIENT_DATA', 'retain', 'ALARM', 'OK']],
  ['X - - - -', ['ALARM', 'retain', 'ALARM', 'OK']],
];
const TWO_OF_THREE: [string, string[]][] = [
  ['0 - X - X', ['ALARM', 'ALARM', 'ALARM', 'ALARM']],
  ['0 0 X 0 X', ['ALARM', 'ALARM', 'ALARM', 'ALARM']],
  ['0 - X - -', ['OK', 'OK', 'ALARM', 'OK']],
  ['- - - - 0', ['OK', 'OK', 'ALARM', 'OK']],
  ['- - - - X', ['INSUFFICIENT_DATA', 'retain', 'ALARM', 'OK']],
];

const range = (row: string): Point[] =>
  row.split(' ').map((c, i) => ({
    start: i * 300_000,
    value: c === '-' ? undefined : c === 'X' ? 10 : 0,
    count: c === '-' ? 0 : 1,
  }));

const alarm = (m: number, treat: Treat): Evaluable => ({
  key: 'k',
  statistic: 'Average',
  periodMs: 300_000,
  n: 3,
  m,
  threshold: 5,
  operator: 'GreaterThanThreshold',
  treat,
});

describe('alarm evaluation with missing data, as the User Guide tabulates it', () => {
  for (const [m, table] of [
    [3, THREE_OF_THREE],
    [2, TWO_OF_THREE],
  ] as const) {
    for (const [row, expected] of table) {
      it(`${m} of 3, ${row}`, () => {
        const got = TREATS.map((t) => judge(alarm(m, t), range(row))?.state ?? 'retain');
        expect(got).toEqual(expected);
      });
    }
  }
});
