import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  DescribeJobCommand,
  DescribeThingGroupCommand,
  type IoTClient,
  ListJobsCommand,
  ListThingGroupsForThingCommand,
} from '@aws-sdk/client-iot';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { iotFleetIndex } from '../../shared/adapters/fleet-index';
import type { IndexedShadow } from '../../shared/domain/fleet-index/query-match';
import { compileRulesText } from '../../shared/domain/grouping/rules-text';
import {
  type ContinuousJob,
  type CurrentThing,
  type IndexedState,
  previewThings,
} from '../../shared/domain/onboarding/preview';
import type { ThingSpec } from '../../shared/domain/onboarding/things-csv';
import { InvalidRulesError } from '../../shared/errors';
import { CliError, EXIT, type Io, line } from '../io';
import { printJson, printTable } from '../output';
import {
  dynamoClient,
  type GlobalOptions,
  iotClient,
  resolvePath,
  resolveTarget,
  type Target,
} from '../target';
import { readThingsFile } from './onboard';

export type PreviewOptions = GlobalOptions & { things: string; rules?: string; offline?: boolean };

/** `fleet groups preview`: the rules engine run over a CSV against what AWS holds now. Read-only. */
export async function groupsPreview(opts: PreviewOptions, io: Io): Promise<number> {
  const csv = readThingsFile(io, opts.things);
  const rulesPath = opts.rules
    ? resolvePath(io, opts.rules)
    : path.join(io.root, 'config/grouping-rules.yml');
  let rules: ReturnType<typeof compileRulesText>;
  try {
    rules = compileRulesText(readFileSync(rulesPath, 'utf8'));
  } catch (error) {
    if (error instanceof InvalidRulesError)
      throw new CliError(
        EXIT.USAGE,
        `${rulesPath}: invalid grouping rules`,
        'fix the rules listed (see README "The rules file")',
        error.problems,
      );
    throw new CliError(EXIT.USAGE, `cannot read ${rulesPath}: ${(error as Error).message}`);
  }
  const current = new Map<string, CurrentThing>();
  let jobs: ContinuousJob[] = [];
  let indexed = new Map<string, IndexedState>();
  if (!opts.offline) {
    const target = resolveTarget(opts, io);
    const iot = iotClient(target);
    await readCurrent(iot, target, csv.things, current);
    jobs = await continuousJobs(iot);
    if (jobs.some((j) => j.dynamic?.length)) indexed = await indexedState(iot, csv.things);
  }
  const previews = previewThings(rules, csv.things, current, jobs, indexed);
  if (opts.json) {
    printJson(io.stdout, {
      rules: rulesPath,
      offline: Boolean(opts.offline),
      continuousJobs: jobs,
      things: previews,
    });
  } else {
    printTable(io.stdout, previews, [
      { header: 'line', value: (p) => String(p.line) },
      { header: 'thing', value: (p) => p.thingName },
      { header: 'exists', value: (p) => (opts.offline ? '?' : p.exists ? 'yes' : 'no') },
      { header: 'join', value: (p) => p.join.join(' ') || '-', max: 70 },
      { header: 'leave', value: (p) => p.leave.join(' ') || '-' },
      {
        header: 'jobs pulled in',
        value: (p) => p.jobs.map((j) => `${j.jobId} (via ${j.via})`).join(' ') || '-',
      },
      {
        header: 'problems',
        value: (p) =>
          [...p.violations, ...p.notApplied.map((n) => `${n.rule}: ${n.reason}`)].join('; ') || '-',
        max: 80,
      },
    ]);
    const violating = previews.filter((p) => p.violations.length > 0).length;
    const pulled = new Set(previews.flatMap((p) => p.jobs.map((j) => j.jobId)));
    line(
      io.stderr,
      `${previews.length} things; ${violating} with limit violations; ${pulled.size} running continuous job(s) would reach new devices. Nothing was changed.`,
    );
  }
  return EXIT.OK;
}

async function readCurrent(
  iot: IoTClient,
  target: Target,
  things: ThingSpec[],
  into: Map<string, CurrentThing>,
) {
  const docs = target.stateTable ? DynamoDBDocumentClient.from(dynamoClient(target)) : undefined;
  const queue = [...things];
  const worker = async () => {
    for (let thing = queue.shift(); thing; thing = queue.shift()) {
      const memberships: string[] = [];
      let exists = true;
      try {
        let nextToken: string | undefined;
        do {
          const page = await iot.send(
            new ListThingGroupsForThingCommand({ thingName: thing.thingName, nextToken }),
          );
          memberships.push(...(page.thingGroups ?? []).map((g) => g.groupName ?? '').filter(Boolean));
          nextToken = page.nextToken;
        } while (nextToken);
      } catch (error) {
        if ((error as Error).name !== 'ResourceNotFoundException') throw error;
        exists = false;
      }
      let managed: string[] = [];
      if (docs && exists) {
        const item = await docs.send(
          new GetCommand({
            TableName: target.stateTable,
            Key: { pk: `THING#${thing.thingName}`, sk: 'STATE' },
          }),
        );
        managed = Array.isArray(item.Item?.groups)
          ? (item.Item.groups as unknown[]).filter((g): g is string => typeof g === 'string')
          : [];
      }
      into.set(thing.thingName, { exists, managed, memberships });
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

/** ListJobs (IN_PROGRESS, CONTINUOUS), then DescribeJob for each one's target groups. */
async function continuousJobs(iot: IoTClient): Promise<ContinuousJob[]> {
  const jobs: ContinuousJob[] = [];
  let nextToken: string | undefined;
  do {
    const page = await iot.send(
      new ListJobsCommand({ status: 'IN_PROGRESS', targetSelection: 'CONTINUOUS', nextToken }),
    );
    for (const summary of page.jobs ?? []) {
      if (!summary.jobId) continue;
      const described = await iot.send(new DescribeJobCommand({ jobId: summary.jobId }));
      const groups = (described.job?.targets ?? []).flatMap((arn) => {
        const m = /:thinggroup\/(.+)$/.exec(arn);
        return m?.[1] ? [m[1]] : [];
      });
      // A dynamic group: its query decides who joins (DescribeThingGroup returns it).
      const dynamic: { group: string; query: string }[] = [];
      for (const group of groups) {
        const g = await iot
          .send(new DescribeThingGroupCommand({ thingGroupName: group }))
          .catch((error: Error) => {
            if (error.name === 'ResourceNotFoundException') return undefined;
            throw error;
          });
        if (g?.queryString) dynamic.push({ group, query: g.queryString });
      }
      jobs.push({ jobId: summary.jobId, groups, ...(dynamic.length ? { dynamic } : {}) });
    }
    nextToken = page.nextToken;
  } while (nextToken);
  return jobs;
}

/** Connectivity and shadows the index holds now for the CSV's things (12 names per SearchIndex query). */
async function indexedState(iot: IoTClient, things: ThingSpec[]): Promise<Map<string, IndexedState>> {
  const index = iotFleetIndex(iot);
  const out = new Map<string, IndexedState>();
  for (let i = 0; i < things.length; i += 12) {
    const names = things.slice(i, i + 12).map((t) => t.thingName);
    let nextToken: string | undefined;
    do {
      const page = await index.search(`thingName:(${names.join(' OR ')})`, nextToken);
      for (const doc of page.things) {
        if (!doc.thingName) continue;
        const shadow = doc.shadow
          ? (JSON.parse(doc.shadow) as IndexedShadow & { name?: Record<string, IndexedShadow> })
          : undefined;
        out.set(doc.thingName, {
          ...(doc.connectivity?.connected === undefined
            ? {}
            : {
                connectivity: {
                  connected: doc.connectivity.connected,
                  timestamp: doc.connectivity.timestamp ?? 0,
                },
              }),
          ...(shadow ? { shadow } : {}),
          ...(shadow?.name ? { namedShadows: shadow.name } : {}),
        });
      }
      nextToken = page.nextToken;
    } while (nextToken);
  }
  return out;
}
