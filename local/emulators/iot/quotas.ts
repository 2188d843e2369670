/**
 * Default TPS per operation, from the AWS General Reference's "AWS IoT Core endpoints and quotas" and "AWS IoT Device Management endpoints and quotas".
 * Jobs data-plane operations are keyed `iot-jobs-data:<Operation>` because DescribeJobExecution
 * exists on both planes with different quotas.
 */
export const DEFAULT_IOT_TPS: Readonly<Record<string, number>> = {
  AddThingToThingGroup: 100,
  RemoveThingFromThingGroup: 100,
  CreateThingGroup: 25,
  DescribeThingGroup: 100,
  DescribeThing: 350,
  ListThingGroupsForThing: 100,
  CreateThing: 100,
  UpdateThing: 100,
  DeleteThing: 100,
  ListThingsInThingGroup: 25,
  CreateDynamicThingGroup: 5,
  UpdateDynamicThingGroup: 5,
  DeleteDynamicThingGroup: 5,
  CreateJob: 10,
  DescribeJob: 10,
  CancelJob: 10,
  CancelJobExecution: 10,
  UpdateJob: 10,
  ListJobExecutionsForJob: 10,
  ListJobs: 10,
  'iot-jobs-data:StartNextPendingJobExecution': 200,
  'iot-jobs-data:UpdateJobExecution': 200,
  'iot-jobs-data:DescribeJobExecution': 200,
  'iot-jobs-data:GetPendingJobExecutions': 200,
};

/**
 * Operations whose model declares InternalFailureException but not ServiceUnavailableException
 * (thing-group and event-configuration APIs); an injected server error answers with the declared one.
 */
export const INTERNAL_FAILURE_OPERATIONS: ReadonlySet<string> = new Set([
  'CreateThingGroup',
  'DescribeThingGroup',
  'ListThingGroups',
  'AddThingToThingGroup',
  'RemoveThingFromThingGroup',
  'ListThingGroupsForThing',
  'ListThingsInThingGroup',
  'UpdateEventConfigurations',
  'DescribeEventConfigurations',
  'CreateDynamicThingGroup',
  'UpdateDynamicThingGroup',
  'DeleteDynamicThingGroup',
  'StartThingRegistrationTask',
  'DescribeThingRegistrationTask',
  'ListThingRegistrationTasks',
  'ListThingRegistrationTaskReports',
  'StopThingRegistrationTask',
]);
