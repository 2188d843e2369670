import { respondToCloudFormation } from '../../shared/adapters/cfn-response';
import { iotAccountSettings } from '../../shared/adapters/iot-settings';
import { iotClient } from '../../shared/clients';

/**
 * The CloudFormation custom resources' composition: the account's AWS IoT settings they raise and
 * their answer on CloudFormation's pre-signed URL.
 */
export function customResourceDeps() {
  return { settings: iotAccountSettings(iotClient()), respond: respondToCloudFormation };
}
