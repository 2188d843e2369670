/** A bulk thing registration task (StartThingRegistrationTask) and its progress. */
export interface RegistrationTask {
  taskId: string;
  createdAt: number;
  lastModifiedAt: number;
  templateBody: string;
  template: ParsedTemplate;
  inputFileBucket: string;
  inputFileKey: string;
  roleArn: string;
  status: 'InProgress' | 'Completed' | 'Failed' | 'Cancelled' | 'Cancelling';
  message?: string;
  /** Input lines, read from S3 when the task starts; undefined until then. */
  lines?: string[];
  processed: number;
  successCount: number;
  failureCount: number;
  results: string[];
  errors: string[];
  /** Report objects written when the task ends: `s3://bucket/key` pairs per report type. */
  reports: { RESULTS: { bucket: string; key: string }[]; ERRORS: { bucket: string; key: string }[] };
}

/** The subset of a provisioning template the emulator runs: parameters and one AWS::IoT::Thing. */
export interface ParsedTemplate {
  parameters: Record<string, { Type: string; Default?: string }>;
  thing: {
    ThingName: unknown;
    ThingTypeName?: unknown;
    AttributePayload?: Record<string, unknown>;
    ThingGroups?: unknown[];
  };
}
