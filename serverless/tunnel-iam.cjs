// The IAM backing of the tunnel policy (config/tunnel-policy.yml), for the alarm function's
// iot:OpenTunnel statement: read from the same file the function carries, at package time, so the
// role and the code can never disagree. Referenced from serverless/functions-tunnels.yml as
// ${file(serverless/tunnel-iam.cjs):openTunnelCondition}. Condition keys and their semantics:
// AWS IoT Developer Guide, "Controlling access to tunnels" (iot:OpenTunnel supports
// iot:ThingGroupArn, iot:TunnelDestinationService, aws:RequestTag/${TagKey}, aws:TagKeys).
const { readFileSync } = require('node:fs');
const path = require('node:path');
const { yamlToJson } = require('../scripts/yaml-json.cjs');

const POLICY_FILE = path.join(__dirname, '..', 'config', 'tunnel-policy.yml');

const groupArn = (name) => ({
  'Fn::Sub': `arn:\${AWS::Partition}:iot:\${AWS::Region}:\${AWS::AccountId}:thinggroup/${name}`,
});

/**
 * - iot:TunnelDestinationService, multivalued: every requested service is one the policy allows
 *   (ForAllValues), and services are present at all (Null false; ForAllValues alone is true for none).
 * - iot:ThingGroupArn, the groups the destination thing belongs to: none of them is denied
 *   (ForAllValues:StringNotEquals, true for a thing in no group), and, with an allow list, one of
 *   them is allowed (ForAnyValue:StringEquals).
 * - aws:RequestTag/managedBy: every tunnel this role opens carries the managedBy tag the operator
 *   API relies on.
 */
function openTunnelCondition(file = POLICY_FILE) {
  const policy = JSON.parse(yamlToJson(readFileSync(file, 'utf8'), file));
  const groups = policy.thingGroups ?? {};
  const condition = {
    'ForAllValues:StringEquals': { 'iot:TunnelDestinationService': policy.services },
    Null: { 'iot:TunnelDestinationService': 'false' },
    StringEquals: { 'aws:RequestTag/managedBy': 'fleet-autopilot' },
  };
  if ((groups.deny ?? []).length > 0) {
    condition['ForAllValues:StringNotEquals'] = { 'iot:ThingGroupArn': groups.deny.map(groupArn) };
  }
  if (groups.allow) {
    condition['ForAnyValue:StringEquals'] = { 'iot:ThingGroupArn': groups.allow.map(groupArn) };
  }
  return condition;
}

module.exports = {
  openTunnelCondition: () => openTunnelCondition(),
  buildOpenTunnelCondition: openTunnelCondition,
};
