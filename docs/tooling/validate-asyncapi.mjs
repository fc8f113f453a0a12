// Parse an AsyncAPI document with the official parser; print every diagnostic, exit 1 on any error.
import { readFile } from "node:fs/promises";
import { Parser, DiagnosticSeverity } from "@asyncapi/parser";

const path = process.argv[2];
const parser = new Parser();
const { document, diagnostics } = await parser.parse(await readFile(path, "utf8"));
const errors = diagnostics.filter((d) => d.severity === DiagnosticSeverity.Error);
for (const d of diagnostics) {
  console.log(`${DiagnosticSeverity[d.severity]} ${d.code} ${d.path.join(".")}: ${d.message}`);
}
if (document === undefined || errors.length > 0) {
  console.log(`${path}: ${errors.length} error(s)`);
  process.exit(1);
}
console.log(`${path}: valid AsyncAPI ${document.version()}, ${document.channels().length} channel(s), ${document.operations().length} operation(s)`);
