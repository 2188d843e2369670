import { errorMessage, errorName, StatesError } from './errors';
import { sdkServicePrefix } from './integrations';
import { fromSdkOutput, toSdkInput } from './sdk-shapes';
import type { Params } from './types';

interface SdkClient {
  send(command: unknown): Promise<unknown>;
}
type SdkModule = Record<string, unknown>;

/** SDK clients per Step Functions service id. Add a line to reach another service. */
const SERVICES: Record<string, { load: () => Promise<SdkModule>; client: string }> = {
  iot: { load: () => import('@aws-sdk/client-iot'), client: 'IoTClient' },
};

/**
 * The default `awsSdk` integration: `arn:aws:states:::aws-sdk:<service>:<action>` runs the real
 * AWS SDK v3 command (`iot:createJob` → CreateJobCommand), so with `AWS_ENDPOINT_URL_IOT` set the
 * call reaches the local IoT emulator. Parameters and results are converted between Step Functions'
 * PascalCase and the SDK's members; errors become `Iot.<ErrorName>` as Step Functions names them.
 */
export function createAwsSdkIntegration(clientConfig: Params = {}) {
  const clients = new Map<string, Promise<{ module: SdkModule; client: SdkClient }>>();

  const clientFor = (service: string) => {
    const known = SERVICES[service];
    if (!known)
      throw new StatesError('States.Runtime', `aws-sdk:${service} is not available in the local stack`);
    let entry = clients.get(service);
    if (!entry) {
      entry = known.load().then((module) => {
        const Client = module[known.client] as new (config: Params) => SdkClient;
        return { module, client: new Client(clientConfig) };
      });
      clients.set(service, entry);
    }
    return entry;
  };

  return async (service: string, action: string, params: Params): Promise<unknown> => {
    const { module, client } = await clientFor(service);
    const operation = action.charAt(0).toUpperCase() + action.slice(1);
    const Command = module[`${operation}Command`] as (new (input: unknown) => unknown) | undefined;
    const schema = module[`${operation}$`] as unknown[] | undefined;
    if (!Command || !schema) {
      throw new StatesError('States.Runtime', `aws-sdk:${service}:${action} is not an action of ${service}`);
    }
    try {
      const output = await client.send(new Command(toSdkInput(params, schema[4])));
      return fromSdkOutput(output, schema[5]);
    } catch (e) {
      throw new StatesError(`${sdkServicePrefix(service)}.${errorName(e)}`, errorMessage(e));
    }
  };
}
