// Serverless plugin: validates config/grouping-rules.yml with the same code the function runs, on
// the same data its bundle carries (scripts/yaml-json.cjs), before every package and deploy, so a
// bad rules file never reaches AWS.
const { buildSync } = require('esbuild');
const { readFileSync } = require('node:fs');
const path = require('node:path');
const Module = require('node:module');
const { yamlToJson } = require('./yaml-json.cjs');

function loadCompiler(root) {
  const out = buildSync({
    entryPoints: [path.join(root, 'shared/domain/grouping/compile-rules.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    write: false,
    logLevel: 'silent',
  });
  const mod = new Module('compile-rules');
  mod.paths = Module._nodeModulePaths(root);
  mod._compile(out.outputFiles[0].text, 'compile-rules.js');
  return mod.exports;
}

class ValidateRulesPlugin {
  constructor(serverless) {
    const root = serverless.config.servicePath;
    const validate = () => {
      const file = path.join(root, 'config/grouping-rules.yml');
      const { compileRules } = loadCompiler(root);
      const rules = compileRules(JSON.parse(yamlToJson(readFileSync(file, 'utf8'), file)));
      serverless.cli.log(`Grouping rules valid: ${rules.rules.map((r) => r.name).join(', ')}`);
    };
    this.hooks = { 'before:package:initialize': validate };
  }
}

module.exports = ValidateRulesPlugin;
