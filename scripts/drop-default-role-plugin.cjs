// Serverless plugin: every function gets its own role (serverless-iam-roles-per-function), but the
// framework still adds its default IamRoleLambdaExecution with log, X-Ray and SQS grants. Drop it when
// nothing refers to it, so no role with broader grants than any function needs is deployed.
const ROLE = 'IamRoleLambdaExecution';

/** True if any value in the template (except the role itself) names the role by Ref, GetAtt or DependsOn. */
function referenced(template) {
  const { [ROLE]: _role, ...others } = template.Resources ?? {};
  const rest = JSON.stringify({ ...template, Resources: others });
  return rest.includes(`"${ROLE}"`) || rest.includes(`"${ROLE}.`);
}

function dropUnusedDefaultRole(template, log) {
  if (!template.Resources?.[ROLE]) return false;
  if (referenced(template)) {
    log(`${ROLE} is referenced: kept`);
    return false;
  }
  delete template.Resources[ROLE];
  return true;
}

class DropDefaultRolePlugin {
  constructor(serverless) {
    const log = (m) => serverless.cli.log(m);
    // Registered after serverless-iam-roles-per-function, so its roles are in place when this runs.
    this.hooks = {
      'before:package:finalize': () => {
        const template = serverless.service.provider.compiledCloudFormationTemplate;
        if (dropUnusedDefaultRole(template, log)) log(`Dropped the unused ${ROLE}`);
      },
    };
  }
}

module.exports = DropDefaultRolePlugin;
module.exports.dropUnusedDefaultRole = dropUnusedDefaultRole;
