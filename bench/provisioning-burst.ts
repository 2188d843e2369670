import { runBurst } from './burst';
import { option, pct, printTable, round, verdict, writeResult } from './common';

// Provisioning burst: the issue asks for 50,000 things (`--things 50000`); the default run measures
// smaller bursts and extrapolates linearly. AWS's IoT quotas are enforced, so the virtual time is
// bound by them (AddThingToThingGroup's 100 TPS); the wall time is the host's work, since the stack
// runs on a discrete-event clock and waiting costs nothing.
const SIZES = (option('things') ?? '200,500').split(',').map(Number);
const FULL = 50_000;

const runs: Awaited<ReturnType<typeof runBurst>>[] = [];
for (const n of SIZES) {
  console.log(`burst of ${n} things …`);
  runs.push(await runBurst(n));
}
const rows = runs.map((r) => ({
  things: r.things,
  'IoT calls / thing (reads incl.)': round(r.callsPerThing, 3),
  'groups / thing': round(r.groupsJoined / r.things, 2),
  'throttled (consumer)': `${r.consumerThrottled} (${pct(r.consumerThrottledShare, 2)})`,
  'DLQ msgs': r.dlqMessages,
  lost: r.eventsLost,
  'wrong groups': r.thingsWithWrongGroups,
  'log lines (errors)': `${r.logs.lines} (${r.logs.errors})`,
  'virtual s': round(r.virtualSeconds),
  'floor s': round(r.floorSeconds),
  '× floor': round(r.virtualSeconds / r.floorSeconds, 2),
  'wall s': round(r.wallMs / 1000),
  'things / wall s': round(r.things / (r.burstWallMs / 1000)),
  'peak RSS MiB': r.peakRssMiB,
}));
printTable('Provisioning burst on the local stack (quotas enforced)', rows);

// Linear extrapolation from the two largest runs (wall time and memory).
const [a, b] = runs.length >= 2 ? runs.slice(-2) : [undefined, runs[0]];
const extrapolate = (f: (r: (typeof runs)[number]) => number) => {
  if (!b) return Number.NaN;
  if (!a || a.things === b.things) return (f(b) / b.things) * FULL;
  const slope = (f(b) - f(a)) / (b.things - a.things);
  return f(b) + slope * (FULL - b.things);
};
const measuredFull = runs.find((r) => r.things >= FULL);
const wall50k = measuredFull ? measuredFull.wallMs / 1000 : extrapolate((r) => r.wallMs / 1000);
const rss50k = measuredFull ? measuredFull.peakRssMiB : extrapolate((r) => r.peakRssMiB);
const last = runs.at(-1);
if (!last) throw new Error('no run');
const targets = [
  {
    target: 'IoT calls per thing ≤ groups joined + 1%',
    measured: `${round(last.callsPerThing, 3)} vs ${round((last.groupsJoined / last.things) * 1.01, 3)}`,
    result: verdict(last.callsPerThing <= (last.groupsJoined / last.things) * 1.01),
  },
  {
    target: 'throttled < 1% of calls',
    measured: pct(last.consumerThrottledShare, 2),
    result: verdict(last.consumerThrottledShare < 0.01),
  },
  {
    target: 'DLQ 0, lost 0',
    measured: `${last.dlqMessages}, ${last.eventsLost}`,
    result: verdict(last.dlqMessages + last.eventsLost === 0),
  },
  {
    target: 'virtual time ≤ 1.2× the quota floor',
    measured: `${round(last.virtualSeconds / last.floorSeconds, 2)}×`,
    result: verdict(last.virtualSeconds <= 1.2 * last.floorSeconds),
  },
  {
    target: `wall time of ${FULL.toLocaleString('en')} < 300 s`,
    measured: `${round(wall50k)} s${measuredFull ? '' : ' (extrapolated)'}`,
    result: verdict(wall50k < 300),
  },
  {
    target: `peak memory of ${FULL.toLocaleString('en')} < 1 GiB`,
    measured: `${round(rss50k)} MiB${measuredFull ? '' : ' (extrapolated)'}`,
    result: verdict(rss50k < 1024),
  },
];
printTable('Targets', targets);
writeResult('provisioning-burst', {
  runs,
  extrapolated: { things: FULL, wallSeconds: wall50k, peakRssMiB: rss50k },
  targets,
});
