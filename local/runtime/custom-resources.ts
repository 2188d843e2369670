import { readJsonObject } from '../emulators/common/http';
import type { CfnTemplate } from '../template';
import type { FunctionHost } from './function-host';
import type { VirtualNetwork } from './net/network';

export type DeployedResource = { id: string; status: string; reason?: string };

/**
 * CloudFormation's part of a deploy: each custom resource's Create runs against its function, and
 * the function answers on the pre-signed response URL (here an endpoint on the virtual network).
 */
export async function deployCustomResources(o: {
  template: CfnTemplate;
  resolve: (value: unknown) => unknown;
  host: FunctionHost;
  network: VirtualNetwork;
  region: string;
  account: string;
}): Promise<DeployedResource[]> {
  const results: DeployedResource[] = [];
  for (const [id, r] of Object.entries(o.template.Resources).filter(([, r]) =>
    r.Type.startsWith('Custom::'),
  )) {
    const props = o.resolve(r.Properties) as Record<string, unknown>;
    const origin = `http://cloudformation-response-${id.toLowerCase()}.local`;
    let deliver: (json: Record<string, unknown>) => void = () => undefined;
    const received = new Promise<Record<string, unknown>>((resolve) => {
      deliver = resolve;
    });
    o.network.serve(origin, (req, res) => {
      void readJsonObject(req).then((json) => {
        res.writeHead(200).end();
        deliver(json);
      });
    });
    const event = {
      RequestType: 'Create',
      ServiceToken: props.ServiceToken,
      ResponseURL: `${origin}/cfn-response`,
      StackId: `arn:aws:cloudformation:${o.region}:${o.account}:stack/fleet-autopilot-local/local`,
      RequestId: `${id}-create`,
      LogicalResourceId: id,
      ResourceType: r.Type,
      ResourceProperties: props,
    };
    await o.host.invoke(String(props.ServiceToken), event);
    const body = await received;
    o.network.close(origin);
    results.push({ id, status: String(body.Status), reason: body.Reason as string | undefined });
  }
  return results;
}
