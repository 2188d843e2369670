import { RECORD_STATUS, type TunnelRecord } from '../../shared/domain/tunnels/tunnel-record';
import type { OpenedRecord, SlotResult, TunnelStore } from '../../shared/services/tunnel-ports';
import { Faults } from './faults';

type Slot = { claimId: string; until: number };

/**
 * The state table's tunnel records and fleet ledger in memory, with the conditions of
 * shared/adapters/tunnel-store.ts: a claim is a conditional put, every update names the claim (or
 * tunnel) it applies to, and the ledger forgets slots past their end when it is rewritten. Copies go
 * in and out, as with a table. Inject throttling with `faults` (operation = method name).
 */
export class FakeTunnelStore implements TunnelStore {
  readonly records = new Map<string, TunnelRecord>();
  slots: Record<string, Slot> = {};
  readonly faults = new Faults();

  async get(thingName: string) {
    this.faults.check('get');
    const record = this.records.get(thingName);
    return record && structuredClone(record);
  }

  async getMany(thingNames: string[]) {
    this.faults.check('getMany');
    return thingNames.flatMap((t) => {
      const record = this.records.get(t);
      return record ? [structuredClone(record)] : [];
    });
  }

  async claim(record: TunnelRecord, now: number) {
    this.faults.check('claim');
    const r = this.records.get(record.thingName);
    const free =
      !r ||
      ((r.status === RECORD_STATUS.CLOSED ||
        r.status === RECORD_STATUS.RELEASED ||
        r.lifetimeEndsAt <= now) &&
        r.nextAllowedAt <= now);
    if (free) this.records.set(record.thingName, structuredClone(record));
    return free;
  }

  async markOpen(thingName: string, claimId: string, opened: OpenedRecord) {
    this.faults.check('markOpen');
    const r = this.records.get(thingName);
    if (r?.claimId !== claimId || (r.status !== RECORD_STATUS.OPENING && r.status !== RECORD_STATUS.OPEN))
      throw new Error(`tunnel record for ${thingName} changed while opening ${opened.tunnelId}`);
    this.records.set(thingName, { ...r, ...structuredClone(opened), status: RECORD_STATUS.OPEN });
  }

  async markAnnounced(thingName: string, claimId: string) {
    this.faults.check('markAnnounced');
    const r = this.records.get(thingName);
    if (r?.claimId === claimId) this.records.set(thingName, { ...r, announced: true });
  }

  async release(thingName: string, claimId: string, now: number) {
    this.faults.check('release');
    const r = this.records.get(thingName);
    if (r?.claimId === claimId && r.status === RECORD_STATUS.OPENING)
      this.records.set(thingName, { ...r, status: RECORD_STATUS.RELEASED, nextAllowedAt: now });
  }

  async markClosed(thingName: string, tunnelId: string, close: { at: number; by: string; cause: string }) {
    this.faults.check('markClosed');
    const r = this.records.get(thingName);
    if (r?.tunnelId !== tunnelId || r.status !== RECORD_STATUS.OPEN) return false;
    this.records.set(thingName, {
      ...r,
      status: RECORD_STATUS.CLOSED,
      closedAt: close.at,
      closedBy: close.by,
      closeCause: close.cause,
    });
    return true;
  }

  async reserveSlot(
    thingName: string,
    claimId: string,
    until: number,
    max: number,
    now: number,
  ): Promise<SlotResult> {
    this.faults.check('reserveSlot');
    const live = this.#live(now);
    const others = Object.keys(live).filter((t) => t !== thingName).length;
    if (others >= max) return { ok: false, open: others };
    this.slots = { ...live, [thingName]: { claimId, until } };
    return { ok: true };
  }

  async releaseSlot(thingName: string, claimId: string) {
    this.faults.check('releaseSlot');
    if (this.slots[thingName]?.claimId !== claimId) return;
    const { [thingName]: _gone, ...rest } = this.slots;
    this.slots = rest;
  }

  async refreshSlot(thingName: string, claimId: string, until: number) {
    this.faults.check('refreshSlot');
    if (this.slots[thingName]?.claimId === claimId)
      this.slots = { ...this.slots, [thingName]: { claimId, until } };
  }

  async liveThings(now: number) {
    this.faults.check('liveThings');
    return Object.keys(this.#live(now)).sort();
  }

  #live(now: number): Record<string, Slot> {
    return Object.fromEntries(Object.entries(this.slots).filter(([, s]) => s.until > now));
  }
}
