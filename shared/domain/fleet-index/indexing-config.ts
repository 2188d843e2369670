/**
 * The account's fleet indexing configuration (GetIndexingConfiguration / UpdateIndexingConfiguration)
 * and the raise-only merge the deployment applies: it turns on what the project needs and never turns
 * off, narrows or drops anything else (custom fields, other named shadows, geolocation filters,
 * Device Defender), because the setting is account-wide.
 */
type Field = { name?: string; type?: string };
export type ThingIndexingConfiguration = {
  thingIndexingMode?: string;
  thingConnectivityIndexingMode?: string;
  deviceDefenderIndexingMode?: string;
  namedShadowIndexingMode?: string;
  customFields?: Field[];
  /** Returned by GetIndexingConfiguration; AWS defines them, so an update leaves them out. */
  managedFields?: Field[];
  filter?: { namedShadowNames?: string[]; geoLocations?: unknown[]; connectivity?: unknown };
};
export type ThingGroupIndexingConfiguration = {
  thingGroupIndexingMode?: string;
  customFields?: Field[];
  managedFields?: Field[];
};
export type IndexingConfiguration = {
  thingIndexingConfiguration?: ThingIndexingConfiguration;
  thingGroupIndexingConfiguration?: ThingGroupIndexingConfiguration;
};

/** What Fleet Autopilot needs: registry and shadows, connectivity, the `$package` named shadow, groups. */
const WANTED_INDEXING = {
  thingIndexingMode: 'REGISTRY_AND_SHADOW',
  thingConnectivityIndexingMode: 'STATUS',
  namedShadowIndexingMode: 'ON',
  namedShadowNames: ['$package'],
  thingGroupIndexingMode: 'ON',
} as const;

/** AWS IoT Device Management quotas: 10 named shadows in the indexing filter by default. */
export const MAX_INDEXED_NAMED_SHADOWS = 10;

const THING_MODES = ['OFF', 'REGISTRY', 'REGISTRY_AND_SHADOW'];
const higher = (a: string | undefined, b: string) =>
  THING_MODES.indexOf(a ?? 'OFF') >= THING_MODES.indexOf(b) ? (a ?? 'OFF') : b;

export type IndexingChange = {
  /** The full configuration to send, or undefined when the account already has everything. */
  update?: IndexingConfiguration;
  /** What this change turns on, for the custom resource's result and the logs. */
  enabled: string[];
};

/**
 * The update that raises `current` to include what the project wants, keeping every other setting as
 * it is; undefined `update` when nothing is missing. Throws when the named shadows would exceed the
 * default quota (the operator must choose which to drop; the deployment never drops one). Pure.
 */
export function raiseIndexing(current: IndexingConfiguration, wanted = WANTED_INDEXING): IndexingChange {
  const { managedFields: _thingManaged, ...thing } = current.thingIndexingConfiguration ?? {};
  const { managedFields: _groupManaged, ...group } = current.thingGroupIndexingConfiguration ?? {};
  const enabled: string[] = [];
  const mode = higher(thing.thingIndexingMode, wanted.thingIndexingMode);
  if (mode !== (thing.thingIndexingMode ?? 'OFF')) enabled.push(`thingIndexingMode ${mode}`);
  const connectivity =
    thing.thingConnectivityIndexingMode === 'STATUS' ? 'STATUS' : wanted.thingConnectivityIndexingMode;
  if (connectivity !== thing.thingConnectivityIndexingMode)
    enabled.push(`thingConnectivityIndexingMode ${connectivity}`);
  const named = thing.namedShadowIndexingMode === 'ON' ? 'ON' : wanted.namedShadowIndexingMode;
  if (named !== thing.namedShadowIndexingMode) enabled.push(`namedShadowIndexingMode ${named}`);
  const names = [...(thing.filter?.namedShadowNames ?? [])];
  for (const n of wanted.namedShadowNames)
    if (!names.includes(n)) {
      names.push(n);
      enabled.push(`named shadow ${n}`);
    }
  if (names.length > MAX_INDEXED_NAMED_SHADOWS)
    throw new Error(
      `indexing ${wanted.namedShadowNames.join(', ')} would make ${names.length} named shadows, over the default quota of ${MAX_INDEXED_NAMED_SHADOWS}; remove one from the account's indexing filter or raise the quota`,
    );
  const groupMode = group.thingGroupIndexingMode === 'ON' ? 'ON' : wanted.thingGroupIndexingMode;
  if (groupMode !== group.thingGroupIndexingMode) enabled.push(`thingGroupIndexingMode ${groupMode}`);
  if (enabled.length === 0) return { enabled };
  return {
    enabled,
    update: {
      thingIndexingConfiguration: {
        ...thing,
        thingIndexingMode: mode,
        thingConnectivityIndexingMode: connectivity,
        namedShadowIndexingMode: named,
        filter: { ...(thing.filter ?? {}), namedShadowNames: names },
      },
      thingGroupIndexingConfiguration: { ...group, thingGroupIndexingMode: groupMode },
    },
  };
}
