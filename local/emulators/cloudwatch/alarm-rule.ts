/**
 * Composite AlarmRule expressions: ALARM(x) / OK(x) / INSUFFICIENT_DATA(x) with names or ARNs,
 * quoted or not, TRUE / FALSE, AND / OR / NOT and parentheses (NOT binds tightest, then AND, then OR).
 */
export type StateValue = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

type Node =
  | { kind: 'state'; state: StateValue; alarm: string }
  | { kind: 'const'; value: boolean }
  | { kind: 'not'; arg: Node }
  | { kind: 'and' | 'or'; left: Node; right: Node };

const TOKEN = /\s*(\(|\)|"(?:[^"\\]|\\.)*"|[^\s()]+)/y;

function tokenize(rule: string): string[] {
  const out: string[] = [];
  TOKEN.lastIndex = 0;
  let m = TOKEN.exec(rule);
  while (m) {
    out.push(m[1] ?? '');
    if (TOKEN.lastIndex >= rule.length) break;
    m = TOKEN.exec(rule);
  }
  if (rule.slice(TOKEN.lastIndex).trim() !== '') throw new Error(`Unexpected input in alarm rule: ${rule}`);
  return out;
}

export function parseAlarmRule(rule: string): Node {
  const tokens = tokenize(rule);
  let i = 0;
  const peek = () => tokens[i]?.toUpperCase();
  const expect = (t: string) => {
    if (tokens[i] !== t) throw new Error(`Expected ${t} in alarm rule at token ${i + 1}`);
    i++;
  };
  const or = (): Node => {
    let left = and();
    while (peek() === 'OR') {
      i++;
      left = { kind: 'or', left, right: and() };
    }
    return left;
  };
  const and = (): Node => {
    let left = not();
    while (peek() === 'AND') {
      i++;
      left = { kind: 'and', left, right: not() };
    }
    return left;
  };
  const not = (): Node => {
    if (peek() === 'NOT') {
      i++;
      return { kind: 'not', arg: not() };
    }
    return atom();
  };
  const atom = (): Node => {
    const t = peek();
    if (t === '(') {
      i++;
      const inner = or();
      expect(')');
      return inner;
    }
    if (t === 'TRUE' || t === 'FALSE') {
      i++;
      return { kind: 'const', value: t === 'TRUE' };
    }
    if (t === 'ALARM' || t === 'OK' || t === 'INSUFFICIENT_DATA') {
      i++;
      expect('(');
      const raw = tokens[i++] ?? '';
      expect(')');
      const alarm = raw.startsWith('"') ? (JSON.parse(raw) as string) : raw;
      return { kind: 'state', state: t, alarm };
    }
    throw new Error(`Unexpected token ${tokens[i] ?? 'end of rule'} in alarm rule`);
  };
  const node = or();
  if (i !== tokens.length) throw new Error(`Unexpected token ${tokens[i]} in alarm rule`);
  return node;
}

/** Alarm names (or ARNs) the rule refers to. */
export function ruleAlarms(node: Node): string[] {
  switch (node.kind) {
    case 'state':
      return [node.alarm];
    case 'const':
      return [];
    case 'not':
      return ruleAlarms(node.arg);
    default:
      return [...ruleAlarms(node.left), ...ruleAlarms(node.right)];
  }
}

export function evaluateRule(node: Node, stateOf: (alarm: string) => StateValue | undefined): boolean {
  switch (node.kind) {
    case 'state':
      return stateOf(node.alarm) === node.state;
    case 'const':
      return node.value;
    case 'not':
      return !evaluateRule(node.arg, stateOf);
    case 'and':
      return evaluateRule(node.left, stateOf) && evaluateRule(node.right, stateOf);
    case 'or':
      return evaluateRule(node.left, stateOf) || evaluateRule(node.right, stateOf);
  }
}

export type AlarmRule = Node;
