/**
 * What `fleet things search` and `fleet rollout status` show of a thing's index document
 * (SearchIndex's ThingDocument): connectivity, and the package versions its `$package` shadow reports
 * (Software Package Catalog: `reported.<package>.version`). Pure.
 */
export type IndexedDocument = {
  thingName?: string;
  thingTypeName?: string;
  thingGroupNames?: string[];
  attributes?: Record<string, string>;
  /** SearchIndex returns the shadows as a JSON string, named ones under `name`. */
  shadow?: string;
  connectivity?: { connected?: boolean; timestamp?: number; disconnectReason?: string };
};

/** `package → version` from the `$package` named shadow; {} when the index holds none. */
export function packagesOf(doc: IndexedDocument): Record<string, string> {
  if (!doc.shadow) return {};
  let shadow: unknown;
  try {
    shadow = JSON.parse(doc.shadow);
  } catch {
    return {};
  }
  const reported = (shadow as { name?: Record<string, { reported?: Record<string, unknown> }> })?.name
    ?.$package?.reported;
  const out: Record<string, string> = {};
  for (const [pkg, value] of Object.entries(reported ?? {})) {
    const version = (value as { version?: unknown } | null)?.version;
    if (typeof version === 'string' || typeof version === 'number') out[pkg] = String(version);
  }
  return out;
}

export type FleetSummary = {
  things: number;
  connected: number;
  disconnected: number;
  /** Things the index has no connectivity for (never connected, or connectivity not indexed). */
  connectivityUnknown: number;
  /** `package@version` → things. */
  versions: Record<string, number>;
};

export function summarize(docs: readonly IndexedDocument[]): FleetSummary {
  const summary: FleetSummary = {
    things: 0,
    connected: 0,
    disconnected: 0,
    connectivityUnknown: 0,
    versions: {},
  };
  for (const doc of docs) {
    summary.things += 1;
    const c = doc.connectivity?.connected;
    if (c === true) summary.connected += 1;
    else if (c === false) summary.disconnected += 1;
    else summary.connectivityUnknown += 1;
    for (const [pkg, version] of Object.entries(packagesOf(doc))) {
      const key = `${pkg}@${version}`;
      summary.versions[key] = (summary.versions[key] ?? 0) + 1;
    }
  }
  return summary;
}

/** `thingGroupNames:(a OR b ...)` queries covering the groups, each within the 12-term limit. */
export function groupQueries(groups: readonly string[], perQuery = 12): string[] {
  const out: string[] = [];
  for (let i = 0; i < groups.length; i += perQuery)
    out.push(`thingGroupNames:(${groups.slice(i, i + perQuery).join(' OR ')})`);
  return out;
}
