import { DescribeJobCommand, type IoTClient, ListThingGroupsForThingCommand } from '@aws-sdk/client-iot';
import { DescribeTunnelCommand, type IoTSecureTunnelingClient } from '@aws-sdk/client-iotsecuretunneling';
import type { StoredAuditRecord } from '../../shared/domain/audit-query/export';
import { auditRecords } from '../../shared/services/audit-query';
import { auditCliError, auditDeps } from '../audit-wiring';
import { CliError, EXIT, type Io, line } from '../io';
import { printJson, printTable } from '../output';
import { iotClient, requireTable, resolveTarget, tunnelsClient } from '../target';
import type { AuditOptions } from './audit';

type Check = {
  record: string;
  subject: string;
  action: string;
  check: string;
  ok: boolean;
  problem?: string;
};

const notFound = (e: unknown) => (e as Error).name === 'ResourceNotFoundException';
const str = (v: unknown) => (typeof v === 'string' ? v : '');

/**
 * `fleet audit verify`: reads the selected records and checks each side effect they claim against
 * AWS now (read-only). The converse (every AWS call has its record) needs the call log, which only
 * the local stack has: see test/cli and shared/domain/audit-query/verify.ts.
 */
export async function auditVerify(opts: AuditOptions, io: Io): Promise<number> {
  if (opts.query !== undefined)
    throw new CliError(
      EXIT.USAGE,
      '`audit verify` takes one subject, not --query',
      'verify a thing, rollout, tunnel or actor',
    );
  const target = resolveTarget(opts, io);
  const table = requireTable(target, 'audit');
  const records = await auditRecords(opts, auditDeps(target, table)).catch((error) => {
    throw auditCliError(error);
  });
  const iot = iotClient(target);
  const tunnels = tunnelsClient(target);
  const latestAssigned = new Map<string, StoredAuditRecord>();
  for (const r of records)
    if (r.action === 'thing.groups.assigned' && r.outcome === 'applied') latestAssigned.set(r.pk, r);
  const checks: Check[] = [];
  for (const r of records) {
    const check = await checkRecord(r, latestAssigned.get(r.pk) === r, iot, tunnels);
    if (check)
      checks.push({
        record: r.id ?? r.sk,
        subject: r.pk,
        action: r.action ?? '',
        check: check.check,
        ok: check.ok,
        ...(check.ok ? {} : { problem: check.problem }),
      });
  }
  const failed = checks.filter((c) => !c.ok);
  if (opts.json) printJson(io.stdout, { ok: failed.length === 0, records: records.length, checks });
  else {
    printTable(io.stdout, checks, [
      { header: 'subject', value: (c) => c.subject },
      { header: 'action', value: (c) => c.action },
      { header: 'check', value: (c) => c.check },
      { header: 'result', value: (c) => (c.ok ? 'ok' : `MISMATCH: ${c.problem ?? ''}`), max: 90 },
    ]);
    line(io.stderr, `${records.length} record(s), ${checks.length} check(s), ${failed.length} mismatch(es)`);
  }
  return failed.length > 0 ? EXIT.CONFLICT : EXIT.OK;
}

async function checkRecord(
  r: StoredAuditRecord,
  latest: boolean,
  iot: IoTClient,
  tunnels: IoTSecureTunnelingClient,
): Promise<Omit<Check, 'record' | 'subject' | 'action'> | undefined> {
  const d = r.details ?? {};
  switch (r.action) {
    case 'thing.groups.assigned': {
      if (!latest) return undefined;
      const thingName = r.pk.replace(/^THING#/, '');
      const want = Array.isArray(d.groups) ? d.groups.map(String) : [];
      try {
        const page = await iot.send(new ListThingGroupsForThingCommand({ thingName, maxResults: 250 }));
        const have = new Set((page.thingGroups ?? []).map((g) => g.groupName));
        const missing = want.filter((g) => !have.has(g));
        return {
          check: 'thing is in the groups last assigned',
          ok: missing.length === 0,
          problem: `not in ${missing.join(', ')}`,
        };
      } catch (e) {
        if (notFound(e)) return { check: 'thing exists', ok: true, problem: 'deleted since' };
        throw e;
      }
    }
    case 'rollout.stage.started':
    case 'rollout.job.cancelled': {
      const jobId = str(d.jobId);
      try {
        const { job } = await iot.send(new DescribeJobCommand({ jobId }));
        if (r.action === 'rollout.stage.started') return { check: `job ${jobId} exists`, ok: true };
        const ok = job?.status === 'CANCELED' || job?.status === 'DELETION_IN_PROGRESS';
        return { check: `job ${jobId} cancelled`, ok, problem: `status ${job?.status}` };
      } catch (e) {
        if (notFound(e)) return { check: `job ${jobId} exists`, ok: false, problem: 'no such job' };
        throw e;
      }
    }
    case 'tunnel.opened':
    case 'tunnel.closed': {
      const tunnelId = str(d.tunnelId);
      try {
        const { tunnel } = await tunnels.send(new DescribeTunnelCommand({ tunnelId }));
        if (r.action === 'tunnel.closed')
          return {
            check: `tunnel ${tunnelId} closed`,
            ok: tunnel?.status === 'CLOSED',
            problem: `status ${tunnel?.status}`,
          };
        const tag = tunnel?.tags?.find((t) => t.key === 'fleet-autopilot:audit-id')?.value;
        return {
          check: `tunnel ${tunnelId} carries this record's id`,
          ok: tag === r.id,
          problem: `audit-id tag ${tag ?? 'missing'}`,
        };
      } catch (e) {
        // AWS forgets closed tunnels after a while: nothing left to compare.
        if (notFound(e))
          return { check: `tunnel ${tunnelId} exists`, ok: true, problem: 'no longer listed by AWS' };
        throw e;
      }
    }
    default:
      return undefined;
  }
}
