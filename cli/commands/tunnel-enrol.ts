import { callApi } from '../api';
import { CliError, EXIT, type Io, line } from '../io';
import { printJson, printTable } from '../output';
import { type GlobalOptions, resolveTarget } from '../target';

type EnrolmentRow = {
  alarmName: string;
  thingName: string;
  services: string[];
  enrolledBy: string;
  enrolledAt: string;
};

const SERVICE = /^[a-zA-Z0-9:_-]{1,128}$/;

/** `--services SSH,HTTP` (or repeated): the services the tunnel may carry, within the tunnel policy. */
function servicesOf(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const services = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = services.filter((s) => !SERVICE.test(s));
  if (services.length === 0 || bad.length > 0)
    throw new CliError(EXIT.USAGE, `invalid --services ${JSON.stringify(value)}`, 'e.g. --services SSH');
  return services;
}

/**
 * `fleet tunnel enrol <alarm> --thing <thing>`: from now on this alarm may open a tunnel to this
 * thing (POST /tunnels/enrolments). The API checks the alarm and the thing in AWS and audits the
 * enrolment with the caller's principal.
 */
export async function tunnelEnrol(
  alarmName: string,
  opts: GlobalOptions & { thing: string; services?: string },
  io: Io,
): Promise<number> {
  const body = JSON.stringify({
    alarmName,
    thingName: opts.thing,
    ...(opts.services === undefined ? {} : { services: servicesOf(opts.services) }),
  });
  const { status, body: out } = await callApi(resolveTarget(opts, io), 'POST', 'tunnels/enrolments', body);
  if (opts.json) printJson(io.stdout, out);
  else
    line(
      io.stdout,
      status === 201
        ? `enrolled alarm ${alarmName} for thing ${String(out.thingName)} (services ${(out.services as string[]).join(',')}); audit record ${String(out.auditId)}`
        : `alarm ${alarmName} was already enrolled for thing ${String(out.thingName)} by ${String(out.enrolledBy)}; nothing changed`,
    );
  return EXIT.OK;
}

/** `fleet tunnel unenrol <alarm>`: the alarm opens no more tunnels (tunnels it opened stay open). */
export async function tunnelUnenrol(alarmName: string, opts: GlobalOptions, io: Io): Promise<number> {
  const path = `tunnels/enrolments/${encodeURIComponent(alarmName)}`;
  const { body } = await callApi(resolveTarget(opts, io), 'DELETE', path);
  if (opts.json) printJson(io.stdout, body);
  else {
    line(io.stdout, `alarm ${alarmName} no longer opens tunnels; audit record ${String(body.auditId)}`);
    line(
      io.stderr,
      'tunnels it already opened stay open until its OK or their lifetime: `fleet tunnel list`',
    );
  }
  return EXIT.OK;
}

export async function tunnelEnrolments(opts: GlobalOptions, io: Io): Promise<number> {
  const { body } = await callApi(resolveTarget(opts, io), 'GET', 'tunnels/enrolments');
  const rows = (body.enrolments ?? []) as EnrolmentRow[];
  if (opts.json) printJson(io.stdout, rows);
  else if (rows.length === 0) line(io.stderr, 'no alarm is enrolled: no alarm can open a tunnel');
  else
    printTable(io.stdout, rows, [
      { header: 'alarm', value: (r) => r.alarmName, max: 80 },
      { header: 'thing', value: (r) => r.thingName },
      { header: 'services', value: (r) => r.services.join(',') },
      { header: 'enrolled by', value: (r) => r.enrolledBy, max: 80 },
      { header: 'enrolled at', value: (r) => r.enrolledAt },
    ]);
  return EXIT.OK;
}
