import type { CloudFormationCustomResourceEvent } from 'aws-lambda';

/**
 * Answers CloudFormation's custom resource request on its pre-signed URL. CloudFormation waits for
 * this PUT; answering FAILED on error keeps a bad deploy from hanging for an hour.
 */
export async function respondToCloudFormation(
  event: CloudFormationCustomResourceEvent,
  physicalId: string,
  status: 'SUCCESS' | 'FAILED',
  data: Record<string, string>,
  reason?: string,
): Promise<void> {
  const body = JSON.stringify({
    Status: status,
    Reason: reason ?? status,
    PhysicalResourceId: physicalId,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
    Data: data,
  });
  const response = await fetch(event.ResponseURL, { method: 'PUT', body, headers: { 'content-type': '' } });
  if (!response.ok) throw new Error(`CloudFormation response rejected: HTTP ${response.status}`);
}
