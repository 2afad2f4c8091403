// Node module hooks that let a plain `node` process import this workspace's TypeScript sources
// (transpiled by the `typescript` package), and append every module URL it resolves to the file
// named by `register`'s `data.log`. The tests use them to see exactly what importing the package
// loads, in a fresh process. The hooks run on their own thread, whose stdout is lost when the
// process exits before it is flushed, so the URLs go to a file, written before each import returns.
import { appendFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import ts from "typescript";

let log;
export function initialize(data) {
  log = data.log;
}

const report = (url) => appendFileSync(log, `${url}\n`);

export async function resolve(specifier, context, nextResolve) {
  try {
    const resolved = await nextResolve(specifier, context);
    report(resolved.url);
    return resolved;
  } catch (error) {
    // Workspace sources import each other without extensions, as bundlers allow.
    if (!specifier.startsWith(".") || !context.parentURL?.endsWith(".ts")) throw error;
    for (const suffix of [".ts", "/index.ts"]) {
      try {
        const resolved = await nextResolve(`${specifier}${suffix}`, context);
        report(resolved.url);
        return resolved;
      } catch {}
    }
    throw error;
  }
}

export async function load(url, context, nextLoad) {
  if (!url.endsWith(".ts")) return nextLoad(url, context);
  const source = await readFile(new URL(url), "utf8");
  const { outputText } = ts.transpileModule(source, {
    fileName: url,
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  });
  return { format: "module", source: outputText, shortCircuit: true };
}
