import { runCli } from '../../cli/main';

/**
 * `fleet --local ...` against a stand-in HTTP API at `apiUrl` (only the API is called: the other
 * endpoints `--local` wants point at it too), as principal `bob`.
 */
export async function fleetAgainst(apiUrl: string, argv: string[], cwd = process.cwd()) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(['--local', ...argv], {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env: {
      AWS_ENDPOINT_URL_DYNAMODB: apiUrl,
      AWS_ENDPOINT_URL_IOT: apiUrl,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'bob',
      AWS_SECRET_ACCESS_KEY: 'local',
      FLEET_API_URL: apiUrl,
    },
    cwd,
    root: process.cwd(),
  });
  return { code, stdout, stderr };
}
