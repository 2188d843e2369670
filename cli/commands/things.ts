import { iotFleetIndex } from '../../shared/adapters/fleet-index';
import { packagesOf } from '../../shared/domain/fleet-index/thing-summary';
import { checkQuery, searchAll } from '../fleet-index';
import { CliError, EXIT, type Io, line } from '../io';
import { printJson, printTable } from '../output';
import { type GlobalOptions, iotClient, resolveTarget } from '../target';

export type SearchOptions = GlobalOptions & { limit?: number; all?: boolean };

/** `fleet things search <query>`: SearchIndex, paged, as a table or JSON. Read-only. */
export async function thingsSearch(query: string, opts: SearchOptions, io: Io): Promise<number> {
  checkQuery(query);
  if (opts.all && opts.limit !== undefined) throw new CliError(EXIT.USAGE, 'give --limit or --all, not both');
  const index = iotFleetIndex(iotClient(resolveTarget(opts, io)));
  const { things, more } = await searchAll(index, query, opts.all ? undefined : (opts.limit ?? 100));
  const rows = things.map((d) => ({
    thingName: d.thingName ?? '',
    thingTypeName: d.thingTypeName,
    thingGroupNames: d.thingGroupNames ?? [],
    attributes: d.attributes ?? {},
    connectivity: d.connectivity,
    packages: packagesOf(d),
  }));
  if (opts.json) printJson(io.stdout, rows);
  else if (rows.length > 0)
    printTable(io.stdout, rows, [
      { header: 'thing', value: (r) => r.thingName },
      { header: 'type', value: (r) => r.thingTypeName ?? '-' },
      {
        header: 'connected',
        value: (r) =>
          r.connectivity?.connected === undefined ? '-' : r.connectivity.connected ? 'yes' : 'no',
      },
      { header: 'groups', value: (r) => r.thingGroupNames.join(' ') || '-', max: 50 },
      {
        header: 'attributes',
        value: (r) =>
          Object.entries(r.attributes)
            .map(([k, v]) => `${k}=${v}`)
            .join(' ') || '-',
        max: 50,
      },
      {
        header: 'packages',
        value: (r) =>
          Object.entries(r.packages)
            .map(([p, v]) => `${p}@${v}`)
            .join(' ') || '-',
      },
    ]);
  line(io.stderr, `${rows.length} thing(s)${more ? ' (more match: --limit N or --all)' : ''}`);
  return EXIT.OK;
}
