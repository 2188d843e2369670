import type { Home } from '../domain/tunnels/alarm-check';
import type { AlarmFacts } from '../domain/tunnels/alarm-definition';
import type { ThingFacts } from '../domain/tunnels/decide';
import type { Enrolment } from '../domain/tunnels/enrolment';
import type { TunnelPolicy } from '../domain/tunnels/policy';
import type { TunnelRecord } from '../domain/tunnels/tunnel-record';
import type { AuditWriter, DomainEventPublisher, OperatorNotifier } from './effect-ports';

/**
 * What the tunnel services need from the outside world. Adapters: shared/adapters/tunnel-store.ts,
 * tunnel-port.ts, tunnel-alarms.ts, tunnel-enrolments.ts, tunnel-things.ts; composed in
 * functions/wiring/tunnel.ts.
 */

export type SlotResult = { ok: true } | { ok: false; open: number };
export type OpenedRecord = Pick<TunnelRecord, 'openedAt' | 'lifetimeEndsAt' | 'nextAllowedAt'> & {
  tunnelId: string;
  tunnelArn: string;
};

/**
 * The automation's tunnel records (one per thing) and the fleet ledger of live tunnels under the cap.
 * Every write is conditional: a record is claimed BEFORE OpenTunnel, so duplicates and concurrent
 * alarms for one thing open one tunnel.
 */
export interface TunnelStore {
  /** The thing's record, read consistently; undefined when it has none. */
  get(thingName: string): Promise<TunnelRecord | undefined>;
  /** The records of these things that exist, in no particular order. */
  getMany(thingNames: string[]): Promise<TunnelRecord[]>;
  /**
   * Writes a fresh OPENING record unless the thing's record is live (OPENING or OPEN within its
   * lifetime) or cooling down at `now`; false when it is, and nothing is written.
   */
  claim(record: TunnelRecord, now: number): Promise<boolean>;
  /**
   * OPENING (or already OPEN) under `claimId` -> OPEN with the tunnel and its times as AWS counts
   * them; throws when the record is no longer this claim's.
   */
  markOpen(thingName: string, claimId: string, tunnel: OpenedRecord): Promise<void>;
  /** Notes that audit, event and page went out; a no-op when the record is not this claim's. */
  markAnnounced(thingName: string, claimId: string): Promise<void>;
  /** OPENING under `claimId` -> RELEASED (no tunnel, so no cooldown past `now`); else a no-op. */
  release(thingName: string, claimId: string, now: number): Promise<void>;
  /** OPEN with `tunnelId` -> CLOSED, with who and why; false (nothing written) otherwise. */
  markClosed(
    thingName: string,
    tunnelId: string,
    close: { at: number; by: string; cause: string },
  ): Promise<boolean>;
  /**
   * Holds a fleet slot for the thing until `until` unless `max` other things hold live slots at
   * `now`; slots past their end count for nothing. Re-reserving the thing's own slot replaces it.
   */
  reserveSlot(
    thingName: string,
    claimId: string,
    until: number,
    max: number,
    now: number,
  ): Promise<SlotResult>;
  /** Frees the thing's slot if `claimId` holds it; else a no-op. */
  releaseSlot(thingName: string, claimId: string): Promise<void>;
  /** Moves a slot `claimId` holds to end at `until` (no cap check: the slot is held); else a no-op. */
  refreshSlot(thingName: string, claimId: string, until: number): Promise<void>;
  /** The things holding live slots at `now`, sorted. */
  liveThings(now: number): Promise<string[]>;
}

export type TunnelRef = { tunnelId: string; tunnelArn: string };
/** A tunnel AWS opened, with the time AWS says it did (its lifetime counts from then). */
export type OpenedTunnel = TunnelRef & { openedAt: number };
export type TunnelFacts = TunnelRef & {
  status: 'OPEN' | 'CLOSED';
  /** DescribeTunnel's createdAt (epoch ms). */
  createdAt: number;
  thingName: string | undefined;
  tags: Record<string, string>;
};

export type OpenRequest = {
  thingName: string;
  services: string[];
  lifetimeMinutes: number;
  description: string;
  tags: { key: string; value: string }[];
};

/**
 * AWS IoT secure tunneling, with the access tokens dropped at this boundary: OpenTunnel's tokens
 * never leave `open`, and the only token that does (`issueSourceToken`) goes to the operator API.
 */
export interface TunnelPort {
  /**
   * OpenTunnel, then AWS's own creation time. Throws AWS's error by name: `LimitExceededException`
   * when AWS refuses another tunnel, `ThrottlingException` when throttled after the SDK's retries.
   * A throw after OpenTunnel succeeded leaves a tunnel that `findOpenedByClaim` finds by its tags.
   */
  open(request: OpenRequest): Promise<OpenedTunnel>;
  /** CloseTunnel. Idempotent: a closed or unknown tunnel counts as closed. */
  close(tunnelId: string): Promise<void>;
  /** DescribeTunnel; undefined when AWS does not know the tunnel (any more). */
  describe(tunnelId: string): Promise<TunnelFacts | undefined>;
  /** The OPEN tunnel to the thing whose claim tag is `claimId`, if a crash hid it from our record. */
  findOpenedByClaim(thingName: string, claimId: string): Promise<OpenedTunnel | undefined>;
  /**
   * RotateTunnelAccessToken, clientMode SOURCE: a new source token, invalidating earlier ones. The
   * caller hands it to one operator, once, and writes it nowhere.
   */
  issueSourceToken(tunnelId: string): Promise<string>;
}

/** CloudWatch as the tunnel guard rails read it: an alarm's definition and state now, and its tags. */
export interface AlarmDirectory {
  /** DescribeAlarms for one name (metric and composite alarms); undefined when it does not exist. */
  describe(alarmName: string): Promise<AlarmFacts | undefined>;
  /** ListTagsForResource on the alarm; an unknown alarm has no tags. */
  tags(alarmArn: string): Promise<Record<string, string>>;
}

/**
 * Alarm enrolments, by alarm name. Written only by the tunnel API; read by the alarm handler before
 * it opens anything.
 */
export interface EnrolmentStore {
  /** The alarm's enrolment, ACTIVE or REMOVED, read consistently; undefined when it never had one. */
  get(alarmName: string): Promise<Enrolment | undefined>;
  /** All enrolments, ACTIVE and REMOVED, by alarm name. */
  list(): Promise<Enrolment[]>;
  /** Writes an ACTIVE enrolment unless an ACTIVE one exists; false (nothing written) when one does. */
  create(enrolment: Enrolment): Promise<boolean>;
  /** Marks the ACTIVE enrolment enrolled by `enrolRequestId` REMOVED; false when it is not that one. */
  remove(
    alarmName: string,
    enrolRequestId: string,
    removal: { by: string; at: number; requestId: string },
  ): Promise<boolean>;
}

/** The registry now: whether the thing exists, and its direct group memberships (none if it does not). */
export type ThingDirectory = (thingName: string) => Promise<ThingFacts>;

export type TunnelDeps = {
  policy: TunnelPolicy;
  store: TunnelStore;
  tunnels: TunnelPort;
  things: ThingDirectory;
  /** CloudWatch: the alarm's definition and state now (DescribeAlarms). */
  alarms: AlarmDirectory;
  enrolments: EnrolmentStore;
  /** The deployment's own account and region. */
  home: Home;
  audit: AuditWriter;
  publish: DomainEventPublisher;
  notify: OperatorNotifier;
  /** The deciding function, e.g. `function:alarm-tunnel`. */
  actor: string;
};
