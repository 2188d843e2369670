/** A V8 CPU profile (the inspector's Profiler.stop or a `--cpu-prof` file). */
export type CpuProfile = {
  nodes: { id: number; callFrame: { functionName: string; url: string } }[];
  samples: number[];
  timeDeltas: number[];
};

/** Where a sample's time went, by the code it was in (self time). */
function componentOf(url: string, fn: string): string {
  if (!url) {
    if (fn === '(garbage collector)') return 'garbage collection';
    if (fn === '(idle)') return 'idle';
    return 'V8 and Node internals (native)';
  }
  const bundle = /\.local\/functions\/([^/]+)\//.exec(url);
  if (bundle)
    return `function ${bundle[1]?.replace(/LambdaFunction$/, '')} (bundle: handler, SDK, Powertools)`;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg) {
    if (
      /^(dynalite|level|abstract-level|memory-level|level-transcoder|lock|big\.js|functional-red-black-tree)/.test(
        pkg,
      )
    )
      return 'DynamoDB (dynalite and LevelDB)';
    if (pkg === 'aws-local-stepfunctions') return 'Step Functions engine';
    if (/^@(aws-sdk|smithy|aws-crypto)\//.test(pkg)) return "AWS SDK (the stack's own clients)";
    return `package ${pkg}`;
  }
  if (url.startsWith('node:')) return 'Node core (streams, events, crypto, ...)';
  return 'local stack (emulators, routing, driver)';
}

/** Self time by component, largest first, in seconds. */
export function profileByComponent(profile: CpuProfile): { name: string; seconds: number }[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const time = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id);
    if (!frame) return;
    const name = componentOf(frame.url, frame.functionName);
    time.set(name, (time.get(name) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  return [...time]
    .filter(([name]) => name !== 'idle')
    .map(([name, us]) => ({ name, seconds: Math.round(us / 1e5) / 10 }))
    .sort((a, b) => b.seconds - a.seconds);
}
