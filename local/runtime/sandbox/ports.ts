import type { VirtualRequest, VirtualResponse } from '../net/exchange';

/** What a function container needs of the stack, in this thread or across a worker boundary. */
export type Scheduled = { cancel(): void; readonly time: number };

/** The stack's agenda, as far as a container's timers use it. */
export interface Agenda {
  at(
    time: number,
    label: string,
    run: () => unknown,
    options?: { source?: string; weak?: boolean },
  ): Scheduled;
}

/** The virtual network, as far as a container's `node:http` and `fetch` use it. */
export interface Network {
  has(host: string): boolean;
  send(request: VirtualRequest): Promise<VirtualResponse>;
  fetch(input: string | URL | Request, init?: RequestInit): Promise<Response>;
}

/** Virtual time: read only by containers. */
export interface TimeSource {
  now(): number;
}
