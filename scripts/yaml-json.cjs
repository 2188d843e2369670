// config/*.yml are data. Function bundles get them as JSON, converted here at bundle time, so no
// function ships a YAML parser or parses text at cold start. Tests (vitest.config.ts) and the
// validate-rules plugin read the files through this same function, so all three see one value.
const { parse } = require('yaml');

/** The JSON text of a YAML document; throws on a YAML error or a value JSON cannot carry (.inf, .nan). */
function yamlToJson(text, file) {
  let value;
  try {
    value = parse(text);
  } catch (error) {
    throw new Error(`${file}: not valid YAML: ${error.message}`);
  }
  return JSON.stringify(value, (key, v) => {
    if (typeof v === 'number' && !Number.isFinite(v)) throw new Error(`${file}: ${key}: ${v} is not JSON`);
    return v;
  });
}

module.exports = { yamlToJson };
