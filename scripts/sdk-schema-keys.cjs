// An AWS SDK client describes every operation of its service in schemas_0.js, as arrays whose traits
// use computed keys (`{ [_h]: [...] }`, `_h` a string constant). esbuild cannot prove a computed key
// free of side effects, so it keeps every shape (for IoT ~1,000 of them, ~100 KB, all built at cold
// start). Writing the constant in the key's place builds the same objects and lets esbuild drop the
// shapes nothing uses.

/** The module text with each computed key whose name is a string constant written as that literal. */
function literalSchemaKeys(text) {
  const strings = new Map([...text.matchAll(/^const (_\w+) = ("[^"\\\n]*");$/gm)].map((m) => [m[1], m[2]]));
  let replaced = 0;
  const contents = text.replace(/([{,]\s*)\[(_\w+)\]:/g, (key, before, name) => {
    if (!strings.has(name)) return key;
    replaced += 1;
    return `${before}${strings.get(name)}:`;
  });
  return { contents, replaced };
}

/** Files the plugin rewrites. */
const SCHEMA_FILE = /[\\/]@aws-sdk[\\/].+[\\/]schemas[\\/]schemas_\d+\.js$/;

module.exports = { literalSchemaKeys, SCHEMA_FILE };
