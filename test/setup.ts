// aws-local-stepfunctions 3 needs Promise.withResolvers (Node 22+): the same polyfill the local stack loads.
import '../local/emulators/stepfunctions/polyfill';
// The SDK's Node 20 notice is documented in README "Node.js versions"; the tooling turns it off the same way.
import { quietSdkNodeWarning } from '../scripts/node-support.mjs';

quietSdkNodeWarning(process.env);
