import { readFileSync } from 'node:fs';
import { compileRulesText } from '../../shared/domain/grouping/rules-text';
import type { ExpectationResult } from '../scenario/expectations';
import type { LocalStack } from '../stack';
import type { Evidence, Verdict } from './adversary-verdicts';
import { auditTimeFigures, timedEffects, type WallToVirtual } from './audit-times';
import type { AuditItem } from './checks';
import { misgroupedThings } from './groups';

export type EndStateInputs = {
  wall: WallToVirtual;
  /** What the harness itself let fall (unhandled rejections, a run loop that threw). */
  harness: readonly string[];
  /** The scenario's `expect:` entries against the rollouts' final views. */
  expectations: readonly ExpectationResult[];
  /** The adversary's verdicts, when it ran. */
  judge?: (evidence: Omit<Evidence, 'views'>) => Promise<Verdict[]>;
};

type Must = (name: string, value: number, detail?: string) => void;
type Info = (name: string, value: string | number) => void;

/**
 * The invariants on where the run ended: things in the groups their attributes call for, nothing
 * parked, the audit's times true to the effects, rollouts as the scenario expects, every attack
 * without effect, and a harness that caught everything it started.
 */
export async function endStateRows(
  stack: LocalStack,
  audit: readonly AuditItem[],
  parked: { count: number; where: string },
  inputs: EndStateInputs,
  must: Must,
  info: Info,
  verdict: (v: Verdict) => void,
): Promise<void> {
  const { iot, tunnels } = stack.services;
  const rules = compileRulesText(readFileSync('config/grouping-rules.yml', 'utf8'));
  const grouping = misgroupedThings(rules, iot.state.things.values(), iot.state.groups);
  const first = grouping.misgrouped[0];
  must(
    'things not in the groups their attributes call for',
    grouping.misgrouped.length,
    `${grouping.checked} things checked${first ? `; e.g. ${first.thingName}: expected [${first.expected.join(', ')}], in [${first.actual.join(', ')}]` : ''}`,
  );
  must('events left parked', parked.count, parked.where);

  const times = auditTimeFigures(
    timedEffects(iot.calls, tunnels.tunnels()),
    audit.filter((a): a is AuditItem & { at: number } => typeof a.at === 'number'),
    inputs.wall,
  );
  must('audit records untrue about time', times.problems.length, times.detail);
  if (times.problems.length)
    info(
      'first time problems',
      times.problems
        .slice(0, 3)
        .map((p) => `${p.effect.kind} ${p.effect.key}: ${p.detail}`)
        .join(' ‖ '),
    );
  if (inputs.expectations.length)
    must(
      'rollouts not ending as the scenario expects',
      inputs.expectations.filter((x) => !x.ok).length,
      inputs.expectations.map((x) => x.text.split(' (')[0]).join('; '),
    );
  if (inputs.judge) {
    const verdicts = await inputs.judge({
      audit,
      calls: iot.calls,
      tunnels: tunnels.tunnels(),
      misgrouped: new Set(grouping.misgrouped.map((m) => m.thingName)),
    });
    for (const v of verdicts) verdict(v);
  }
  must(
    'harness errors (reported, not crashed)',
    inputs.harness.length,
    inputs.harness.slice(0, 2).join('; '),
  );
}
