import { callApi } from '../api';
import { CliError, EXIT, type Io, line } from '../io';
import { printJson, printTable } from '../output';
import { type GlobalOptions, resolveTarget } from '../target';

const TUNNEL_ID = /^[a-zA-Z0-9_\-+=:]{1,128}$/;
const idPath = (id: string) => {
  if (!TUNNEL_ID.test(id))
    throw new CliError(
      EXIT.USAGE,
      `invalid tunnel id ${JSON.stringify(id)}`,
      '`fleet tunnel list` shows the open tunnels',
    );
  return `tunnels/${encodeURIComponent(id)}`;
};

type TunnelRow = {
  tunnelId: string;
  thingName: string;
  alarmName?: string;
  services: string[];
  openedAt: string;
  expiresAt: string;
};

export async function tunnelList(opts: GlobalOptions, io: Io): Promise<number> {
  const { body } = await callApi(resolveTarget(opts, io), 'GET', 'tunnels');
  const tunnels = (body.tunnels ?? []) as TunnelRow[];
  if (opts.json) printJson(io.stdout, tunnels);
  else if (tunnels.length === 0) line(io.stderr, 'no open tunnels');
  else
    printTable(io.stdout, tunnels, [
      { header: 'tunnel', value: (t) => t.tunnelId },
      { header: 'thing', value: (t) => t.thingName },
      { header: 'alarm', value: (t) => t.alarmName ?? '-' },
      { header: 'services', value: (t) => t.services.join(',') },
      { header: 'opened', value: (t) => t.openedAt },
      { header: 'expires', value: (t) => t.expiresAt },
    ]);
  return EXIT.OK;
}

/**
 * A fresh source token, written once to stdout and nowhere else (never to stderr, a log or a file):
 * `AWSTUNNEL_TOKEN=$(fleet tunnel token ID) localproxy ...`. Usage notes go to stderr.
 */
export async function tunnelToken(id: string, opts: GlobalOptions, io: Io): Promise<number> {
  const { body } = await callApi(resolveTarget(opts, io), 'POST', `${idPath(id)}/token`);
  if (typeof body.sourceAccessToken !== 'string')
    throw new CliError(EXIT.FAILURE, 'the API answered without a token');
  if (opts.json) printJson(io.stdout, body);
  else {
    line(io.stdout, body.sourceAccessToken);
    line(
      io.stderr,
      `tunnel ${id} to ${String(body.thingName)}: single-use source token (earlier ones are now invalid).`,
    );
    line(
      io.stderr,
      `usage: AWSTUNNEL_TOKEN=<token> localproxy -r ${String(body.region)} -s 2222, then ssh -p 2222 <user>@localhost`,
    );
  }
  return EXIT.OK;
}

export async function tunnelClose(id: string, opts: GlobalOptions, io: Io): Promise<number> {
  const { body } = await callApi(resolveTarget(opts, io), 'POST', `${idPath(id)}/close`);
  if (opts.json) printJson(io.stdout, body);
  else line(io.stdout, `closed ${id} (${String(body.thingName)}); audit record ${String(body.auditId)}`);
  return EXIT.OK;
}
