// esbuild plugins for the function bundles (serverless-esbuild `custom.esbuild.plugins`).
const { readFile } = require('node:fs/promises');
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

// An AWS SDK client describes every operation of its service in schemas_0.js, as arrays whose traits
// use computed keys (`{ [_h]: [...] }`, `_h` a string constant). esbuild cannot prove a computed key
// free of side effects, so it keeps every shape (for IoT ~1,000 of them, ~100 KB, all built at cold
// start). Writing the constant in the key's place builds the same objects and lets esbuild drop the
// shapes nothing uses.
const sdkSchemaLiteralKeys = {
  name: 'sdk-schema-literal-keys',
  setup(build) {
    build.onLoad({ filter: /[\\/]@aws-sdk[\\/].+[\\/]schemas[\\/]schemas_\d+\.js$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      const strings = new Map(
        [...text.matchAll(/^const (_\w+) = ("[^"\\\n]*");$/gm)].map((m) => [m[1], m[2]]),
      );
      const contents = text.replace(/([{,]\s*)\[(_\w+)\]:/g, (key, before, name) =>
        strings.has(name) ? `${before}${strings.get(name)}:` : key,
      );
      return { contents, loader: 'js' };
    });
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
