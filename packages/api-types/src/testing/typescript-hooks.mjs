// Node module hooks that let a plain `node` process import this workspace's TypeScript sources
// (transpiled by the `typescript` package), and report every module URL it resolves on stdout.
// The tests use them to see exactly what importing the package loads, in a fresh process.
import { readFile } from "node:fs/promises";
import ts from "typescript";

const report = (url) => process.stdout.write(`resolved ${url}\n`);

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
