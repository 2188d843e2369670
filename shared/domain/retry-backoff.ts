/** SQS redelivery delay for a failed record: 10 s doubling per receive, capped at 5 minutes. */
export function redeliveryDelaySeconds(receiveCount: number, baseSeconds = 10, capSeconds = 300): number {
  const attempt = Math.max(1, Math.floor(receiveCount));
  return Math.min(capSeconds, baseSeconds * 2 ** (attempt - 1));
}
