/** Every event the project publishes on its bus has this source. */
export const DOMAIN_EVENT_SOURCE = 'fleet-autopilot';

/**
 * A normalized domain event. `detailType` names what happened (e.g. `RolloutHalted`), `detail`
 * carries the facts. Never a secret: tokens stay out of events by construction.
 */
export type DomainEvent = {
  detailType: string;
  detail: Record<string, unknown>;
  /** ARNs or ids the event is about (thing, job, tunnel...). */
  resources?: string[];
  /** When it happened (epoch ms), from the cause, never the wall clock. */
  time: number;
};
