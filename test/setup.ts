// aws-local-stepfunctions 3 needs Promise.withResolvers (Node 22+): the same polyfill the local stack loads.
import '../local/emulators/stepfunctions/polyfill';
