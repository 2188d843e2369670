import { type CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import {
  DescribeJobExecutionCommand,
  GetPackageConfigurationCommand,
  type IoTClient,
} from '@aws-sdk/client-iot';
import { GetThingShadowCommand, type IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import type { AlarmState } from '../domain/rollout/health-alarms';
import { PACKAGE_SHADOW } from '../domain/rollout/health-package';
import type { AlarmReader, ExecutionReader, PackageReader } from '../services/health-ports';

/** DescribeJobExecution: what a suspect is confirmed on (the event that made it one could be forged). */
export function iotExecutionReader(client: IoTClient): ExecutionReader {
  return {
    async describeExecution(jobId, thingName) {
      try {
        const { execution } = await client.send(new DescribeJobExecutionCommand({ jobId, thingName }));
        if (!execution?.status) return undefined;
        return {
          status: execution.status,
          statusDetails: execution.statusDetails?.detailsMap ?? {},
          ...(execution.startedAt ? { startedAt: execution.startedAt.getTime() } : {}),
          ...(execution.lastUpdatedAt ? { lastUpdatedAt: execution.lastUpdatedAt.getTime() } : {}),
        };
      } catch (error) {
        if ((error as Error).name === 'ResourceNotFoundException') return undefined;
        throw error;
      }
    },
  };
}

const STATES = new Set(['OK', 'ALARM', 'INSUFFICIENT_DATA']);

/** DescribeAlarms by name (metric and composite alarms, at most 100 names a call). */
export function cloudWatchAlarmReader(client: CloudWatchClient): AlarmReader {
  return {
    async alarmStates(names) {
      const found: AlarmState[] = [];
      for (let i = 0; i < names.length; i += 100) {
        let token: string | undefined;
        do {
          const page = await client.send(
            new DescribeAlarmsCommand({
              AlarmNames: names.slice(i, i + 100),
              AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
              NextToken: token,
            }),
          );
          for (const a of [...(page.MetricAlarms ?? []), ...(page.CompositeAlarms ?? [])]) {
            if (!a.AlarmName || !a.StateValue || !STATES.has(a.StateValue)) continue;
            found.push({
              name: a.AlarmName,
              state: a.StateValue as AlarmState['state'],
              ...(a.StateReason ? { reason: a.StateReason } : {}),
              ...(a.StateUpdatedTimestamp ? { updatedAt: a.StateUpdatedTimestamp.getTime() } : {}),
            });
          }
          token = page.NextToken;
        } while (token);
      }
      return found;
    },
  };
}

/**
 * Software Package Catalog reads: a device's `$package` shadow on the IoT data plane (GetThingShadow,
 * the reserved named shadow), and the account's package configuration on the control plane.
 */
export function iotPackageReader(data: IoTDataPlaneClient, control: IoTClient): PackageReader {
  return {
    async packageShadow(thingName) {
      try {
        const { payload } = await data.send(
          new GetThingShadowCommand({ thingName, shadowName: PACKAGE_SHADOW }),
        );
        const document: unknown = JSON.parse(new TextDecoder().decode(payload ?? new Uint8Array()) || '{}');
        const state = (document as { state?: { reported?: unknown } } | null)?.state;
        return state?.reported === undefined ? {} : { reported: state.reported };
      } catch (error) {
        if ((error as Error).name === 'ResourceNotFoundException') return undefined;
        throw error;
      }
    },
    async versionUpdateByJobs() {
      const out = await control.send(new GetPackageConfigurationCommand({}));
      return out.versionUpdateByJobsConfig?.enabled === true;
    },
  };
}
