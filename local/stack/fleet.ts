import { listen } from '../emulators/common/http';
import { createIotDataHandler } from '../emulators/iot/data-plane';
import type { Router } from '../runtime/router';
import type { Services } from '../runtime/services';
import type { Simulation } from './simulation';

/**
 * What the device fleet and outside clients reach of AWS IoT: the data plane. Its Publish injects
 * an MQTT message into the rules engine (never onto the reserved $aws/ topics, which AWS IoT's own
 * events reach through event delivery instead); device shadows are read and updated here.
 */
export async function startFleetEdge(
  sim: Simulation,
  router: Router,
  iot: Services['iot'],
  endpoints: Record<string, string>,
  env: Record<string, string>,
) {
  const handler = createIotDataHandler((topic, payload) => router.publishMqtt(topic, payload), iot.shadows);
  const iotData = await listen(handler);
  sim.network.serve(iotData.url, handler);
  endpoints.iotData = iotData.url;
  env.AWS_ENDPOINT_URL_IOT_DATA_PLANE = iotData.url;
  return { iotData };
}
