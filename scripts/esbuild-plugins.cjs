// esbuild plugins for the function bundles (serverless-esbuild `custom.esbuild.plugins`).
const { readFile } = require('node:fs/promises');
const { literalSchemaKeys, SCHEMA_FILE } = require('./sdk-schema-keys.cjs');
const { yamlToJson } = require('./yaml-json.cjs');

// `import rules from '../config/grouping-rules.yml'` gives the parsed document (scripts/yaml-json.cjs).
const yamlAsJson = {
  name: 'yaml-as-json',
  setup(build) {
    build.onLoad({ filter: /\.ya?ml$/ }, async (args) => ({
      contents: yamlToJson(await readFile(args.path, 'utf8'), args.path),
      loader: 'json',
    }));
  },
};

// Lets esbuild drop the SDK operation shapes no function uses (scripts/sdk-schema-keys.cjs).
const sdkSchemaLiteralKeys = {
  name: 'sdk-schema-literal-keys',
  setup(build) {
    build.onLoad({ filter: SCHEMA_FILE }, async (args) => ({
      contents: literalSchemaKeys(await readFile(args.path, 'utf8')).contents,
      loader: 'js',
    }));
  },
};

// Each SDK client imports its whole package.json (~2 KB: dependencies, scripts, ...) to read one
// field, `version`, for the User-Agent; the bundle keeps only that field.
const sdkPackageVersionOnly = {
  name: 'sdk-package-version-only',
  setup(build) {
    build.onLoad(
      { filter: /[\\/]node_modules[\\/]@aws-sdk[\\/][^\\/]+[\\/]package\.json$/ },
      async (args) => ({
        contents: JSON.stringify({ version: JSON.parse(await readFile(args.path, 'utf8')).version }),
        loader: 'json',
      }),
    );
  },
};

module.exports = [yamlAsJson, sdkSchemaLiteralKeys, sdkPackageVersionOnly];
