import policyFile from '../config/tunnel-policy.yml';
import { wrapHandler } from '../shared/handler';
import { apiHandler } from '../shared/http/api';
import { tunnelRouter } from '../shared/http/tunnel-routes';
import { tunnelDeps } from './wiring/tunnel';

/** Operator API for tunnels and alarm enrolments (HTTP API, IAM auth): shared/http/tunnel-routes.ts. */
const deps = tunnelDeps('function:tunnel-api', process.env, policyFile);
const router = tunnelRouter(deps, process.env.AWS_REGION ?? 'us-east-1');

export const handler = wrapHandler(apiHandler(router), { correlationIdPath: 'requestContext.requestId' });
