type ResourceKind = 'lambda-invoke' | 'lambda-arn' | 'aws-sdk' | 'dynamodb' | 'events' | 'sns';

export interface ResourceSpec {
  kind: ResourceKind;
  /** `.waitForTaskToken`: held open until SendTaskSuccess/SendTaskFailure. */
  callback: boolean;
  /** History `resourceType` / `resource`, as AWS reports them (e.g. `lambda` / `invoke.waitForTaskToken`). */
  resourceType: string;
  resource: string;
  /** aws-sdk: service id and camelCase action; dynamodb: action. */
  service?: string;
  action?: string;
}

const CALLBACK = '.waitForTaskToken';
const STATES = /^arn:aws[\w-]*:states:[\w-]*:\d*:(.+)$/;
const LAMBDA_ARN = /^arn:aws[\w-]*:lambda:[\w-]+:\d{12}:function:[\w-]+(:[\w$-]+)?$/;
const DYNAMODB_ACTIONS = new Set(['getItem', 'putItem', 'updateItem', 'deleteItem']);

/** The integration a Task `Resource` names, or undefined when the local engine does not run it. */
export function parseResource(arn: string): ResourceSpec | undefined {
  if (LAMBDA_ARN.test(arn))
    return { kind: 'lambda-arn', callback: false, resourceType: 'lambda', resource: arn };
  const path = STATES.exec(arn)?.[1];
  if (!path) return undefined;
  const callback = path.endsWith(CALLBACK);
  const base = callback ? path.slice(0, -CALLBACK.length) : path;
  const [type, ...rest] = base.split(':');
  const action = rest.at(-1) ?? '';
  const resource = callback ? `${action}${CALLBACK}` : action;
  if (type === 'lambda' && base === 'lambda:invoke') {
    return { kind: 'lambda-invoke', callback, resourceType: 'lambda', resource };
  }
  if (type === 'aws-sdk' && rest.length === 2 && rest[0] && action) {
    return {
      kind: 'aws-sdk',
      callback,
      resourceType: `aws-sdk:${rest[0]}`,
      resource,
      service: rest[0],
      action,
    };
  }
  if (type === 'dynamodb' && !callback && DYNAMODB_ACTIONS.has(action)) {
    return { kind: 'dynamodb', callback, resourceType: 'dynamodb', resource, action };
  }
  if (type === 'events' && base === 'events:putEvents')
    return { kind: 'events', callback, resourceType: 'events', resource };
  if (type === 'sns' && base === 'sns:publish')
    return { kind: 'sns', callback, resourceType: 'sns', resource };
  return undefined;
}
