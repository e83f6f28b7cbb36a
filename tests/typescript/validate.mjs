// Validates JSON values against a JSON Schema (draft 2020-12) with Ajv, outside Rust.
//
//   node validate.mjs SCHEMA.json CASES.json
//
// CASES.json is an array of values; prints a JSON array with, for each, `null` when it is
// valid or Ajv's error text when it is not. Unknown keywords (`x-chatkit-handler`) and
// formats (`uint64`) are annotations here, as the JSON Schema specification has it. Ajv is
// loaded from CHATKIT_TS_NODE_MODULES, else from the node_modules beside this script.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const modules =
  process.env.CHATKIT_TS_NODE_MODULES ?? fileURLToPath(new URL("./node_modules/", import.meta.url));
const require = createRequire(join(modules, "validate.cjs"));
const Ajv2020 = require("ajv/dist/2020").default;

const [schemaPath, casesPath] = process.argv.slice(2);
const schema = JSON.parse(readFileSync(schemaPath, "utf8"));
const cases = JSON.parse(readFileSync(casesPath, "utf8"));
const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
const validate = ajv.compile(schema);
const results = cases.map((value) => (validate(value) ? null : ajv.errorsText(validate.errors)));
console.log(JSON.stringify(results));
