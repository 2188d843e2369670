/** A device shadow (classic or named) as the Device Shadow service keeps it. */
export interface ShadowRecord {
  reported?: Record<string, unknown>;
  desired?: Record<string, unknown>;
  /** Epoch seconds each leaf was last updated, mirroring `state` (the document's `metadata`). */
  metadata: { reported?: Record<string, unknown>; desired?: Record<string, unknown> };
  version: number;
  updatedAt: number;
}

/** A device's connectivity as lifecycle events leave it (what the index and GetThingConnectivityData show). */
export interface ConnectivityRecord {
  connected: boolean;
  /** Epoch ms of the last connect or disconnect. */
  timestamp: number;
  disconnectReason?: string;
  version: number;
}
