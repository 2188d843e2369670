import type { CfnTemplate } from '../template';

export type LocalNames = {
  region: string;
  accountId: string;
  stackName: string;
  /** Where each service's emulator listens, for URLs that resources expose (queue URLs). */
  sqsUrl: string;
};

type Attr = { ref: string; attrs: Record<string, string> };

/**
 * What `Ref` and `Fn::GetAtt` mean for each resource when it runs locally: tables keep their
 * logical id as name, queues get local URLs, everything gets a well-formed ARN.
 */
export function localAttributes(template: CfnTemplate, names: LocalNames): Map<string, Attr> {
  const out = new Map<string, Attr>();
  const arn = (service: string, resource: string) =>
    `arn:aws:${service}:${names.region}:${names.accountId}:${resource}`;
  for (const [id, resource] of Object.entries(template.Resources)) {
    const p = resource.Properties ?? {};
    const named = (key: string) => (typeof p[key] === 'string' ? (p[key] as string) : id);
    switch (resource.Type) {
      case 'AWS::DynamoDB::Table':
        out.set(id, {
          ref: id,
          attrs: {
            Arn: arn('dynamodb', `table/${id}`),
            StreamArn: arn('dynamodb', `table/${id}/stream/local`),
          },
        });
        break;
      case 'AWS::SQS::Queue':
        out.set(id, {
          ref: `${names.sqsUrl}/${names.accountId}/${id}`,
          attrs: { Arn: arn('sqs', id), QueueName: id, QueueUrl: `${names.sqsUrl}/${names.accountId}/${id}` },
        });
        break;
      case 'AWS::Lambda::Function': {
        const fn = named('FunctionName');
        out.set(id, { ref: fn, attrs: { Arn: arn('lambda', `function:${fn}`) } });
        break;
      }
      case 'AWS::Events::EventBus': {
        const bus = named('Name');
        out.set(id, { ref: bus, attrs: { Arn: arn('events', `event-bus/${bus}`), Name: bus } });
        break;
      }
      case 'AWS::SNS::Topic':
        out.set(id, { ref: arn('sns', id), attrs: { TopicName: id, TopicArn: arn('sns', id) } });
        break;
      case 'AWS::StepFunctions::StateMachine': {
        const name = named('StateMachineName');
        out.set(id, {
          ref: arn('states', `stateMachine:${name}`),
          attrs: { Name: name, Arn: arn('states', `stateMachine:${name}`) },
        });
        break;
      }
      case 'AWS::Events::Rule': {
        // rule/<name> on the default bus, rule/<bus>/<name> on a custom one (EventBridge's ARN format).
        const bus = p.EventBusName as unknown;
        const busRef = (bus as { Ref?: string } | undefined)?.Ref;
        const busName =
          typeof bus === 'string'
            ? bus.split('/').pop()
            : busRef && typeof template.Resources[busRef]?.Properties?.Name === 'string'
              ? (template.Resources[busRef]?.Properties?.Name as string)
              : busRef;
        const rule = busName && busName !== 'default' ? `${busName}/${named('Name')}` : named('Name');
        out.set(id, { ref: named('Name'), attrs: { Arn: arn('events', `rule/${rule}`) } });
        break;
      }
      case 'AWS::S3::Bucket': {
        // BucketName is a literal or a Sub of pseudo parameters (resources/bulk-registration.yml).
        const raw = p.BucketName as unknown;
        const sub = (raw as { 'Fn::Sub'?: unknown } | undefined)?.['Fn::Sub'];
        const name =
          typeof raw === 'string'
            ? raw
            : typeof sub === 'string'
              ? sub.replace(/\$\{AWS::(AccountId|Region)\}/g, (_, k: string) =>
                  k === 'AccountId' ? names.accountId : names.region,
                )
              : id.toLowerCase();
        out.set(id, { ref: name, attrs: { Arn: `arn:aws:s3:::${name}` } });
        break;
      }
      case 'AWS::IAM::Role':
        out.set(id, { ref: id, attrs: { Arn: `arn:aws:iam::${names.accountId}:role/${id}` } });
        break;
      default:
        out.set(id, { ref: id, attrs: { Arn: arn('local', id) } });
    }
  }
  return out;
}

/** Resolves the intrinsic functions the packaged template uses, to local values. */
export function resolveIntrinsics(value: unknown, attributes: Map<string, Attr>, names: LocalNames): unknown {
  const pseudo: Record<string, string> = {
    'AWS::Region': names.region,
    'AWS::AccountId': names.accountId,
    'AWS::Partition': 'aws',
    'AWS::StackName': names.stackName,
    'AWS::URLSuffix': 'amazonaws.com',
  };
  const ref = (id: string): string => {
    const p = pseudo[id];
    if (p !== undefined) return p;
    const a = attributes.get(id);
    if (!a) throw new Error(`Ref to unknown resource ${id}`);
    return a.ref;
  };
  const getAtt = (id: string, attr: string): string => {
    const value = attributes.get(id)?.attrs[attr];
    if (value === undefined) throw new Error(`Fn::GetAtt ${id}.${attr} has no local value`);
    return value;
  };
  const sub = (text: string, vars: Record<string, unknown>): string =>
    text.replace(/\$\{([^}!]+)\}/g, (_, name: string) => {
      if (name in vars) return String(visit(vars[name]));
      const [id, attr] = name.split('.');
      return attr ? getAtt(id as string, attr) : ref(name);
    });
  const visit = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(visit);
    if (!v || typeof v !== 'object') return v;
    const entries = Object.entries(v);
    const [key, arg] = entries.length === 1 ? (entries[0] as [string, unknown]) : ['', undefined];
    if (key === 'Ref') return ref(String(arg));
    if (key === 'Fn::GetAtt') {
      const [id, attr] = Array.isArray(arg) ? arg : String(arg).split('.');
      return getAtt(String(id), String(attr));
    }
    if (key === 'Fn::Sub') {
      if (typeof arg === 'string') return sub(arg, {});
      const [text, vars] = arg as [string, Record<string, unknown>];
      return sub(text, vars ?? {});
    }
    if (key === 'Fn::Join') {
      const [sep, parts] = arg as [string, unknown[]];
      return (visit(parts) as unknown[]).join(sep);
    }
    if (key === 'Fn::Select') {
      const [index, list] = arg as [number, unknown];
      return (visit(list) as unknown[])[Number(index)];
    }
    if (key === 'Fn::Split') {
      const [sep, text] = arg as [string, unknown];
      return String(visit(text)).split(sep);
    }
    return Object.fromEntries(entries.map(([k, x]) => [k, visit(x)]));
  };
  return visit(value);
}
