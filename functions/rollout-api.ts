import policyFile from '../config/rollout-policy.yml';
import { loadConfig } from '../shared/config';
import { parseRolloutPolicy } from '../shared/domain/rollout/policy';
import { wrapHandler } from '../shared/handler';
import { apiHandler } from '../shared/http/api';
import { rolloutRouter } from '../shared/http/rollout-routes';
import * as z from '../shared/zod';
import { rolloutConfigSchema, rolloutDeps } from './wiring/rollout';

/** Operator API on an HTTP API with IAM auth: the caller is the SigV4-signed principal. */
const config = loadConfig(z.required(rolloutConfigSchema, { STATE_MACHINE_ARN: true }), process.env);
/** config/rollout-policy.yml: document URL allow-list, who counts as a person for four-eyes. */
const policy = parseRolloutPolicy(policyFile);

const router = rolloutRouter(() => ({
  ...rolloutDeps(config, 'function:rollout-api'),
  policy,
  stateMachineArn: config.STATE_MACHINE_ARN,
}));

export const handler = wrapHandler(apiHandler(router), { correlationIdPath: 'requestContext.requestId' });
