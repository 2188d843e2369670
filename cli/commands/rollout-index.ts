import { type FleetIndex, iotFleetIndex } from '../../shared/adapters/fleet-index';
import { type FleetSummary, groupQueries, summarize } from '../../shared/domain/fleet-index/thing-summary';
import { searchAll } from '../fleet-index';
import { type Io, line } from '../io';
import { printTable } from '../output';
import { iotClient, type Target } from '../target';

/** The fleet index's view of each started stage's groups is read for this many things at most. */
const INDEX_SAMPLE = 1000;

type StageRef = { name: string; status: string; targets?: string[]; queryGroup?: string };
export type StageIndexView = { stage: string; sampled: boolean } & FleetSummary;

async function stageSummary(
  index: FleetIndex,
  groups: string[],
): Promise<{ summary: FleetSummary; sampled: boolean }> {
  const seen = new Map<string, Parameters<typeof summarize>[0][number]>();
  let sampled = false;
  for (const query of groupQueries(groups)) {
    const { things, more } = await searchAll(index, query, INDEX_SAMPLE - seen.size);
    for (const t of things) seen.set(t.thingName ?? '', t);
    sampled ||= more;
    if (seen.size >= INDEX_SAMPLE) break;
  }
  return { summary: summarize([...seen.values()]), sampled };
}

/**
 * Versions and connectivity of each started stage's devices, from the fleet index, where the account
 * has one and the caller may read it; undefined (with the reason on stderr) otherwise.
 */
export async function stagesFromIndex(
  target: Target,
  stages: StageRef[],
  io: Io,
): Promise<StageIndexView[] | undefined> {
  const index = iotFleetIndex(iotClient(target));
  const out: StageIndexView[] = [];
  try {
    for (const stage of stages) {
      if (stage.status === 'NOT_STARTED') continue;
      const groups = [
        ...(stage.targets ?? []),
        ...(stage.queryGroup && stage.status === 'RUNNING' ? [stage.queryGroup] : []),
      ];
      if (groups.length === 0) continue;
      const { summary, sampled } = await stageSummary(index, groups);
      out.push({ stage: stage.name, sampled, ...summary });
    }
  } catch (error) {
    line(io.stderr, `fleet index: not available (${(error as Error).message})`);
    return undefined;
  }
  return out;
}

const top = (versions: Record<string, number>) =>
  Object.entries(versions)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([v, n]) => `${v} ×${n}`)
    .join(', ') || '-';

export function printStagesFromIndex(out: Io['stdout'], views: StageIndexView[]): void {
  if (views.length === 0) return;
  line(out);
  line(
    out,
    `from the fleet index (devices in each stage's groups${views.some((v) => v.sampled) ? `, first ${INDEX_SAMPLE}` : ''}):`,
  );
  printTable(out, views, [
    { header: 'stage', value: (v) => v.stage },
    { header: 'devices', value: (v) => `${v.things}${v.sampled ? '+' : ''}` },
    { header: 'connected', value: (v) => String(v.connected) },
    { header: 'disconnected', value: (v) => String(v.disconnected) },
    { header: 'unknown', value: (v) => String(v.connectivityUnknown) },
    { header: 'versions ($package)', value: (v) => top(v.versions), max: 70 },
  ]);
}
