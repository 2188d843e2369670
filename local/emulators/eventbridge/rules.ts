import type { Clock } from '../common/clock';
import { AwsError, decodeToken, encodeToken, type JsonObject, type Operation } from '../common/json-rpc';
import { checkEnum, checkInt, checkList, checkString } from '../tunnels/validation';
import { patternError } from './pattern';

interface TargetRecord {
  Id: string;
  Arn: string;
  [key: string]: unknown;
}

interface RuleRecord {
  Name: string;
  Arn: string;
  EventBusName: string;
  EventPattern?: string;
  ScheduleExpression?: string;
  State: string;
  Description?: string;
  RoleArn?: string;
}

const RULE_NAME = /^[.\-_A-Za-z0-9]+$/;
const TARGET_ID = /^[.\-_A-Za-z0-9]+$/;
const MAX_TARGETS_PER_RULE = 5;
const STATES = ['ENABLED', 'DISABLED', 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS'] as const;

interface Deps {
  region: string;
  account: string;
  clock: Clock;
  busFor: (nameOrArn: unknown) => { name: string };
}

/** PutRule / DeleteRule / DescribeRule / ListRules and the target operations. */
export function createRules(deps: Deps) {
  const rules = new Map<string, RuleRecord>();
  const targets = new Map<string, Map<string, TargetRecord>>();
  const key = (bus: string, name: string) => `${bus}\u0000${name}`;

  const ruleFor = (input: JsonObject, field: 'Name' | 'Rule'): RuleRecord => {
    const bus = deps.busFor(input.EventBusName).name;
    const name = checkString(input[field], field.toLowerCase(), { required: true, min: 1, max: 64 }) ?? '';
    const rule = rules.get(key(bus, name));
    if (!rule)
      throw new AwsError('ResourceNotFoundException', `Rule ${name} does not exist on EventBus ${bus}.`);
    return rule;
  };

  const view = (r: RuleRecord): JsonObject => ({ ...r });

  const operations = {
    PutRule(input) {
      const bus = deps.busFor(input.EventBusName).name;
      const name =
        checkString(input.Name, 'name', { required: true, min: 1, max: 64, pattern: RULE_NAME }) ?? '';
      const pattern = checkString(input.EventPattern, 'eventPattern', { max: 4096 });
      const schedule = checkString(input.ScheduleExpression, 'scheduleExpression', { max: 256 });
      if (pattern === undefined && schedule === undefined) {
        throw new AwsError(
          'ValidationException',
          'Parameter(s) EventPattern or ScheduleExpression must be specified.',
        );
      }
      if (schedule !== undefined && bus !== 'default') {
        throw new AwsError(
          'ValidationException',
          'ScheduleExpression is supported only on the default event bus.',
        );
      }
      if (pattern !== undefined) {
        let parsed: unknown;
        try {
          parsed = JSON.parse(pattern);
        } catch {
          throw new AwsError(
            'InvalidEventPatternException',
            'Event pattern is not valid. Reason: invalid JSON',
          );
        }
        const reason = patternError(parsed);
        if (reason) throw new AwsError('InvalidEventPatternException', reason);
      }
      const state = input.State === undefined ? 'ENABLED' : checkEnum(input.State, 'state', STATES);
      const path = bus === 'default' ? name : `${bus}/${name}`;
      const rule: RuleRecord = {
        Name: name,
        Arn: `arn:aws:events:${deps.region}:${deps.account}:rule/${path}`,
        EventBusName: bus,
        EventPattern: pattern,
        ScheduleExpression: schedule,
        State: state,
        Description: checkString(input.Description, 'description', { max: 512 }),
        RoleArn: checkString(input.RoleArn, 'roleArn', { max: 1600 }),
      };
      rules.set(key(bus, name), rule);
      return { RuleArn: rule.Arn };
    },

    DeleteRule(input) {
      const bus = deps.busFor(input.EventBusName).name;
      const name = checkString(input.Name, 'name', { required: true, min: 1, max: 64 }) ?? '';
      if ((targets.get(key(bus, name))?.size ?? 0) > 0 && input.Force !== true) {
        throw new AwsError('ValidationException', "Rule can't be deleted since it has targets.");
      }
      rules.delete(key(bus, name));
      targets.delete(key(bus, name));
      return {};
    },

    DescribeRule(input) {
      return view(ruleFor(input, 'Name'));
    },

    ListRules(input) {
      const bus = deps.busFor(input.EventBusName).name;
      const prefix = checkString(input.NamePrefix, 'namePrefix', { min: 1, max: 64 }) ?? '';
      const limit = checkInt(input.Limit, 'limit', 1, 100) ?? 100;
      const from =
        decodeToken(input.NextToken, () => new AwsError('ValidationException', 'Invalid NextToken')) ?? 0;
      const all = [...rules.values()]
        .filter((r) => r.EventBusName === bus && r.Name.startsWith(prefix))
        .sort((a, b) => a.Name.localeCompare(b.Name));
      const page = all.slice(from, from + limit);
      return {
        Rules: page.map(view),
        NextToken: from + limit < all.length ? encodeToken(from + limit) : undefined,
      };
    },

    PutTargets(input) {
      const rule = ruleFor(input, 'Rule');
      const list = checkList(input.Targets, 'targets', 1, 100) ?? [];
      const current = targets.get(key(rule.EventBusName, rule.Name)) ?? new Map<string, TargetRecord>();
      const next = new Map(current);
      for (const [i, raw] of list.entries()) {
        const t = (typeof raw === 'object' && raw !== null ? raw : {}) as JsonObject;
        const id =
          checkString(t.Id, `targets.${i + 1}.member.id`, {
            required: true,
            min: 1,
            max: 64,
            pattern: TARGET_ID,
          }) ?? '';
        checkString(t.Arn, `targets.${i + 1}.member.arn`, { required: true, min: 1, max: 1600 });
        next.set(id, { ...t, Id: id, Arn: String(t.Arn) });
      }
      if (next.size > MAX_TARGETS_PER_RULE) {
        throw new AwsError(
          'LimitExceededException',
          'The requested resource exceeds the maximum number allowed.',
        );
      }
      targets.set(key(rule.EventBusName, rule.Name), next);
      return { FailedEntryCount: 0, FailedEntries: [] };
    },

    RemoveTargets(input) {
      const rule = ruleFor(input, 'Rule');
      const ids = checkList(input.Ids, 'ids', 1, 100) ?? [];
      const current = targets.get(key(rule.EventBusName, rule.Name));
      for (const id of ids) current?.delete(String(id));
      return { FailedEntryCount: 0, FailedEntries: [] };
    },

    ListTargetsByRule(input) {
      const rule = ruleFor(input, 'Rule');
      const limit = checkInt(input.Limit, 'limit', 1, 100) ?? 100;
      const from =
        decodeToken(input.NextToken, () => new AwsError('ValidationException', 'Invalid NextToken')) ?? 0;
      const all = [...(targets.get(key(rule.EventBusName, rule.Name))?.values() ?? [])];
      return {
        Targets: all.slice(from, from + limit),
        NextToken: from + limit < all.length ? encodeToken(from + limit) : undefined,
      };
    },
  } satisfies Record<string, Operation>;

  return { operations };
}
