import type { VirtualRequest, VirtualResponse } from '../net/exchange';

/** What a container needs to build its Lambda context object. */
export type ContextFields = {
  functionName: string;
  invokedFunctionArn: string;
  awsRequestId: string;
  logStreamName: string;
  started: number;
  timeoutMs: number;
};

/** Main thread → container thread, in one batch per turn, in the order the stack produced them. */
export type Delivery =
  | { t: 'hosts'; hosts: string[] }
  | {
      t: 'spawn';
      container: string;
      file: string;
      exportName: string;
      env: Record<string, string>;
      seed: number;
    }
  | { t: 'invoke'; inv: number; container: string; event: unknown; context: ContextFields }
  | { t: 'response'; id: number; response: VirtualResponse }
  | { t: 'failure'; id: number; message: string }
  | { t: 'fire'; id: number }
  | { t: 'kill'; container: string };

export type Outcome =
  | { ok: true; result: unknown }
  | { ok: false; error: { errorType: string; errorMessage: string } };

/** Container thread → main thread: what the containers did during a turn, in order. */
export type Output =
  | { t: 'timer'; id: number; time: number; label: string; source: string | undefined; weak: boolean }
  | { t: 'cancel'; id: number }
  | { t: 'http'; id: number; request: VirtualRequest }
  | { t: 'log'; container: string; line: string }
  | { t: 'result'; inv: number; outcome: Outcome }
  | { t: 'crash'; container: string; reason: string };

export type Batch = { now: number; deliveries: Delivery[] };

/** Buffers cross threads as plain Uint8Arrays. */
export const asBuffer = (bytes: Uint8Array): Buffer =>
  Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
