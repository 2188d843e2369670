import { createDynamicThingGroup, deleteDynamicThingGroup, updateDynamicThingGroup } from './dynamic-groups';
import { describeEventConfigurations, updateEventConfigurations } from './events';
import { describeIndex, getStatistics, getThingConnectivityData, searchIndex } from './fleet-index';
import {
  addThingToThingGroup,
  createThingGroup,
  deleteThingGroup,
  describeThingGroup,
  listThingGroups,
  listThingGroupsForThing,
  listThingsInThingGroup,
  removeThingFromThingGroup,
} from './groups';
import { getIndexingConfiguration, updateIndexingConfiguration } from './indexing';
import type { Request } from './input';
import { cancelJobExecution, describeJobExecution, listJobExecutionsForJob } from './job-executions';
import { cancelJobOperation, createJob, describeJob, listJobs, updateJob } from './jobs';
import {
  describeJobExecutionData,
  getPendingJobExecutions,
  startNextPendingJobExecution,
  updateJobExecution,
} from './jobs-data';
import type { IotContext, Json } from './model';
import { getPackageConfiguration, updatePackageConfiguration } from './packages';
import {
  describeThingRegistrationTask,
  listThingRegistrationTaskReports,
  listThingRegistrationTasks,
  startThingRegistrationTask,
  stopThingRegistrationTask,
} from './registration-tasks';
import {
  createThing,
  createThingType,
  deleteThing,
  describeThing,
  describeThingType,
  listThings,
  updateThing,
} from './things';

export interface Route {
  method: string;
  segments: string[];
  operation: string;
  run(ctx: IotContext, req: Request): Json;
  /**
   * Input members the emulator honours (path labels aside); any other member AWS's model has is
   * refused as not emulated. `all` when every member is.
   */
  honours: readonly string[] | 'all';
}

type Op = Route['run'];
const route = (
  method: string,
  path: string,
  operation: string,
  run: Op,
  honours: Route['honours'] = 'all',
): Route => ({ method, segments: path.split('/').filter(Boolean), operation, run, honours });

const CREATE_JOB = [
  'targets',
  'documentSource',
  'document',
  'description',
  'targetSelection',
  'jobExecutionsRolloutConfig',
  'abortConfig',
  'timeoutConfig',
  'jobExecutionsRetryConfig',
  'schedulingConfig',
  'destinationPackageVersions',
];

// Method + path per operation, from the @aws-sdk/client-iot schemas (smithy http traits). Not emulated:
// billing groups, tags, job templates and document parameters, namespaces, presigned URL configs, software
// packages and their versions.
export const CONTROL_ROUTES: Route[] = [
  route('POST', '/things/{thingName}', 'CreateThing', createThing, ['thingTypeName', 'attributePayload']),
  route('GET', '/things/{thingName}', 'DescribeThing', describeThing),
  route('PATCH', '/things/{thingName}', 'UpdateThing', updateThing),
  route('DELETE', '/things/{thingName}', 'DeleteThing', deleteThing),
  route('GET', '/things', 'ListThings', listThings),
  route('POST', '/thing-types/{thingTypeName}', 'CreateThingType', createThingType, ['thingTypeProperties']),
  route('GET', '/thing-types/{thingTypeName}', 'DescribeThingType', describeThingType),
  route('PUT', '/thing-groups/addThingToThingGroup', 'AddThingToThingGroup', addThingToThingGroup),
  route(
    'PUT',
    '/thing-groups/removeThingFromThingGroup',
    'RemoveThingFromThingGroup',
    removeThingFromThingGroup,
  ),
  route('POST', '/thing-groups/{thingGroupName}', 'CreateThingGroup', createThingGroup, [
    'parentGroupName',
    'thingGroupProperties',
    'tags',
  ]),
  route('GET', '/thing-groups/{thingGroupName}', 'DescribeThingGroup', describeThingGroup),
  route('DELETE', '/thing-groups/{thingGroupName}', 'DeleteThingGroup', deleteThingGroup),
  route('GET', '/thing-groups', 'ListThingGroups', listThingGroups),
  route('GET', '/things/{thingName}/thing-groups', 'ListThingGroupsForThing', listThingGroupsForThing),
  route('GET', '/thing-groups/{thingGroupName}/things', 'ListThingsInThingGroup', listThingsInThingGroup),
  route('PATCH', '/event-configurations', 'UpdateEventConfigurations', updateEventConfigurations),
  route('GET', '/event-configurations', 'DescribeEventConfigurations', describeEventConfigurations),
  route('PUT', '/jobs/{jobId}', 'CreateJob', createJob, CREATE_JOB),
  route('GET', '/jobs/{jobId}', 'DescribeJob', describeJob, []),
  route('GET', '/jobs', 'ListJobs', listJobs, [
    'status',
    'targetSelection',
    'maxResults',
    'nextToken',
    'thingGroupName',
    'thingGroupId',
  ]),
  route('PUT', '/jobs/{jobId}/cancel', 'CancelJob', cancelJobOperation),
  route('PATCH', '/jobs/{jobId}', 'UpdateJob', updateJob, [
    'description',
    'jobExecutionsRolloutConfig',
    'abortConfig',
    'timeoutConfig',
    'jobExecutionsRetryConfig',
  ]),
  route('GET', '/jobs/{jobId}/things', 'ListJobExecutionsForJob', listJobExecutionsForJob),
  route('PUT', '/things/{thingName}/jobs/{jobId}/cancel', 'CancelJobExecution', cancelJobExecution),
  route('GET', '/things/{thingName}/jobs/{jobId}', 'DescribeJobExecution', describeJobExecution),
  // Fleet indexing, dynamic thing groups, connectivity (docs/fleet-indexing.md).
  route('POST', '/indices/search', 'SearchIndex', searchIndex),
  route('GET', '/indices/{indexName}', 'DescribeIndex', describeIndex),
  route('POST', '/indices/statistics', 'GetStatistics', getStatistics, [
    'indexName',
    'queryString',
    'queryVersion',
  ]),
  route('GET', '/indexing/config', 'GetIndexingConfiguration', getIndexingConfiguration),
  route('POST', '/indexing/config', 'UpdateIndexingConfiguration', updateIndexingConfiguration),
  route('POST', '/dynamic-thing-groups/{thingGroupName}', 'CreateDynamicThingGroup', createDynamicThingGroup),
  route(
    'PATCH',
    '/dynamic-thing-groups/{thingGroupName}',
    'UpdateDynamicThingGroup',
    updateDynamicThingGroup,
  ),
  route(
    'DELETE',
    '/dynamic-thing-groups/{thingGroupName}',
    'DeleteDynamicThingGroup',
    deleteDynamicThingGroup,
  ),
  route(
    'POST',
    '/things/{thingName}/connectivity-data',
    'GetThingConnectivityData',
    getThingConnectivityData,
  ),
  // Software Package Catalog: the account's VersionUpdateByJobsConfig (packages.ts).
  route('GET', '/package-configuration', 'GetPackageConfiguration', getPackageConfiguration),
  route('PATCH', '/package-configuration', 'UpdatePackageConfiguration', updatePackageConfiguration),
  // Bulk registration (StartThingRegistrationTask and its reports), reading the S3 emulator.
  route('POST', '/thing-registration-tasks', 'StartThingRegistrationTask', startThingRegistrationTask),
  route('GET', '/thing-registration-tasks', 'ListThingRegistrationTasks', listThingRegistrationTasks),
  route(
    'GET',
    '/thing-registration-tasks/{taskId}',
    'DescribeThingRegistrationTask',
    describeThingRegistrationTask,
  ),
  route(
    'GET',
    '/thing-registration-tasks/{taskId}/reports',
    'ListThingRegistrationTaskReports',
    listThingRegistrationTaskReports,
  ),
  route(
    'PUT',
    '/thing-registration-tasks/{taskId}/cancel',
    'StopThingRegistrationTask',
    stopThingRegistrationTask,
  ),
];

// @aws-sdk/client-iot-jobs-data-plane schemas (StartCommandExecution is not emulated).
export const JOBS_DATA_ROUTES: Route[] = [
  route('GET', '/things/{thingName}/jobs', 'GetPendingJobExecutions', getPendingJobExecutions),
  route(
    'PUT',
    '/things/{thingName}/jobs/$next',
    'StartNextPendingJobExecution',
    startNextPendingJobExecution,
  ),
  route('GET', '/things/{thingName}/jobs/{jobId}', 'DescribeJobExecution', describeJobExecutionData),
  route('POST', '/things/{thingName}/jobs/{jobId}', 'UpdateJobExecution', updateJobExecution),
];

/** Matches a request path against a route table; labels are URI-decoded. */
export function matchRoute(
  routes: Route[],
  method: string,
  pathname: string,
): { route: Route; labels: Record<string, string> } | undefined {
  let parts: string[];
  try {
    parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    return undefined;
  }
  for (const r of routes) {
    if (r.method !== method || r.segments.length !== parts.length) continue;
    const labels: Record<string, string> = {};
    const ok = r.segments.every((seg, i) => {
      const part = parts[i] ?? '';
      if (seg.startsWith('{')) {
        labels[seg.slice(1, -1)] = part;
        return true;
      }
      return seg === part;
    });
    if (ok) return { route: r, labels };
  }
  return undefined;
}
