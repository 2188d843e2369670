import { FleetIndexFieldError } from './errors';
import { type FleetQuery, termsOf } from './query-ast';

/**
 * Which data source of the AWS_Things index each field comes from (AWS IoT Developer Guide, "Managing
 * fleet indexing": registry, unnamed and named shadows, connectivity, Device Defender).
 */
export type FieldSource =
  | { kind: 'registry' }
  | { kind: 'shadow' }
  | { kind: 'named-shadow'; name: string }
  | { kind: 'connectivity' }
  | { kind: 'device-defender' }
  | { kind: 'unknown' };

const REGISTRY_FIELDS = new Set(['thingName', 'thingId', 'thingTypeName', 'thingGroupNames']);

export function fieldSource(field: string | undefined): FieldSource {
  if (field === undefined || REGISTRY_FIELDS.has(field) || field.startsWith('attributes.'))
    return { kind: 'registry' };
  if (field.startsWith('connectivity.')) return { kind: 'connectivity' };
  if (field.startsWith('deviceDefender.')) return { kind: 'device-defender' };
  const parts = field.split('.');
  if (parts[0] === 'shadow' && parts[1] === 'name' && parts[2])
    return { kind: 'named-shadow', name: parts[2] };
  if (parts[0] === 'shadow' && parts.length > 1) return { kind: 'shadow' };
  return { kind: 'unknown' };
}

/** The part of GetIndexingConfiguration's `thingIndexingConfiguration` a query depends on. */
export type ThingIndexingSettings = {
  thingIndexingMode?: string;
  thingConnectivityIndexingMode?: string;
  namedShadowIndexingMode?: string;
  deviceDefenderIndexingMode?: string;
  filter?: { namedShadowNames?: readonly string[] };
};

/**
 * What a query needs that the account's index does not hold, one issue per field (deduplicated),
 * each naming the setting that indexes it. Empty when the index can answer the query. Pure.
 */
export function missingIndexFields(query: FleetQuery, config: ThingIndexingSettings | undefined): string[] {
  const mode = config?.thingIndexingMode ?? 'OFF';
  const issues = new Map<string, string>();
  const add = (key: string, text: string) => issues.set(key, text);
  for (const term of termsOf(query)) {
    const field = term.field ?? '(any field)';
    const source = fieldSource(term.field);
    if (mode === 'OFF') {
      add('off', 'thing indexing is OFF: set thingIndexingMode to REGISTRY or REGISTRY_AND_SHADOW');
      continue;
    }
    if (source.kind === 'unknown')
      add(
        field,
        `${field} is not a field of the AWS_Things index (thingName, thingTypeName, thingGroupNames, attributes.*, shadow.*, shadow.name.<name>.*, connectivity.*)`,
      );
    else if (source.kind === 'shadow' && mode !== 'REGISTRY_AND_SHADOW')
      add(field, `${field} needs shadow indexing: thingIndexingMode REGISTRY_AND_SHADOW (now ${mode})`);
    else if (source.kind === 'named-shadow') {
      const names = config?.filter?.namedShadowNames ?? [];
      if (mode !== 'REGISTRY_AND_SHADOW' || config?.namedShadowIndexingMode !== 'ON')
        add(
          field,
          `${field} needs named shadow indexing: thingIndexingMode REGISTRY_AND_SHADOW and namedShadowIndexingMode ON`,
        );
      else if (!names.includes(source.name))
        add(
          field,
          `${field} needs the named shadow ${source.name} in the indexing filter (filter.namedShadowNames: ${names.join(', ') || 'none'})`,
        );
    } else if (source.kind === 'connectivity' && config?.thingConnectivityIndexingMode !== 'STATUS')
      add(field, `${field} needs connectivity indexing: thingConnectivityIndexingMode STATUS`);
    else if (source.kind === 'device-defender' && config?.deviceDefenderIndexingMode !== 'VIOLATIONS')
      add(field, `${field} needs Device Defender indexing: deviceDefenderIndexingMode VIOLATIONS`);
  }
  return [...issues.values()];
}

/** Throws FleetIndexFieldError naming every field the account's index lacks. */
export function assertIndexHolds(query: FleetQuery, config: ThingIndexingSettings | undefined): void {
  const issues = missingIndexFields(query, config);
  if (issues.length > 0)
    throw new FleetIndexFieldError(
      `the account's fleet index cannot answer this query: ${issues.length} field(s) not indexed`,
      issues,
    );
}
