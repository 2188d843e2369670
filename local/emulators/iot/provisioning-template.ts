import { notEmulatedMessage } from '../common/smithy';
import { invalidRequest } from './errors';
import type { Json } from './model';
import type { ParsedTemplate } from './registration-model';

/** StartThingRegistrationTask: templateBody length 0–10240 (API reference). */
const MAX_TEMPLATE_BYTES = 10_240;
const THING_PROPERTIES = new Set(['ThingName', 'ThingTypeName', 'AttributePayload', 'ThingGroups']);

/**
 * Reads a bulk registration template (Developer Guide, "Provisioning templates"): Parameters and
 * Resources. The emulator registers things; certificates, policies, billing groups, OverrideSettings
 * and intrinsic functions other than Ref and Fn::Join are refused as not emulated.
 */
export function parseTemplate(body: string): ParsedTemplate {
  if (body.length > MAX_TEMPLATE_BYTES)
    throw invalidRequest(`templateBody exceeds ${MAX_TEMPLATE_BYTES} characters`);
  let doc: Json;
  try {
    doc = JSON.parse(body) as Json;
  } catch {
    throw invalidRequest('templateBody is not valid JSON');
  }
  const parameters = (doc.Parameters ?? {}) as ParsedTemplate['parameters'];
  const resources = (doc.Resources ?? {}) as Record<
    string,
    { Type?: string; Properties?: Json; OverrideSettings?: unknown }
  >;
  let thing: ParsedTemplate['thing'] | undefined;
  for (const [id, r] of Object.entries(resources)) {
    if (r.Type === 'AWS::IoT::Certificate' || r.Type === 'AWS::IoT::Policy')
      throw invalidRequest(notEmulatedMessage(`Provisioning template resource ${id} of type ${r.Type}`));
    if (r.Type !== 'AWS::IoT::Thing')
      throw invalidRequest(`Unsupported resource type ${String(r.Type)} in ${id}`);
    if (thing) throw invalidRequest('A template declares at most one AWS::IoT::Thing');
    if (r.OverrideSettings !== undefined)
      throw invalidRequest(notEmulatedMessage(`OverrideSettings of ${id}`));
    const props = r.Properties ?? {};
    for (const key of Object.keys(props))
      if (!THING_PROPERTIES.has(key)) throw invalidRequest(notEmulatedMessage(`Thing property ${key}`));
    if (props.ThingName === undefined) throw invalidRequest(`${id}: ThingName is required`);
    thing = props as ParsedTemplate['thing'];
  }
  if (!thing) throw invalidRequest('The template declares no AWS::IoT::Thing');
  for (const [name, p] of Object.entries(parameters))
    if (p?.Type !== 'String') throw invalidRequest(`Parameter ${name}: only Type String is supported`);
  return { parameters, thing };
}

export class TemplateValueError extends Error {}

/** A template value with the line's parameters substituted: literals, Ref, Fn::Join. */
export function resolveValue(
  value: unknown,
  params: Record<string, string>,
  template: ParsedTemplate,
): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const [[fn, arg] = []] = Object.entries(value);
    if (fn === 'Ref' && typeof arg === 'string') {
      const given = params[arg];
      if (given !== undefined) return given;
      const fallback = template.parameters[arg]?.Default;
      if (fallback !== undefined) return fallback;
      throw new TemplateValueError(`Parameter ${arg} has no value and no default`);
    }
    if (fn === 'Fn::Join' && Array.isArray(arg) && Array.isArray(arg[1]))
      return (arg[1] as unknown[]).map((v) => resolveValue(v, params, template)).join(String(arg[0]));
    throw new TemplateValueError(notEmulatedMessage(`Intrinsic function ${String(fn)}`));
  }
  throw new TemplateValueError(`Unsupported template value ${JSON.stringify(value)}`);
}
