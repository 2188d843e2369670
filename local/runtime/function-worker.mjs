// One Lambda "container": loads a function's deployed bundle once and runs one invocation at a time.
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';

const require = createRequire(import.meta.url);
const { file, exportName, functionName, timeoutMs } = workerData;
const handler = require(file)[exportName];

parentPort.on('message', async ({ id, event, requestId, crashAfterMs }) => {
  const started = Date.now();
  // Chaos (ContainerCrash): the container dies mid-invocation, or at the latest before it answers.
  if (crashAfterMs !== undefined) setTimeout(() => process.exit(137), crashAfterMs);
  const context = {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${process.env.AWS_REGION}:000000000000:function:${functionName}`,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? '512',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, timeoutMs - (Date.now() - started)),
  };
  try {
    const result = await handler(event, context);
    if (crashAfterMs !== undefined) process.exit(137);
    parentPort.postMessage({ id, ok: true, result });
  } catch (error) {
    if (crashAfterMs !== undefined) process.exit(137);
    const name = error?.name ?? 'Error';
    parentPort.postMessage({
      id,
      ok: false,
      error: { errorType: name, errorMessage: String(error?.message ?? error) },
    });
  }
});
