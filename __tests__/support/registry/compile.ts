/** The registry client as plain ES modules, for child processes (NODE_EXTRA_CA_CERTS is read at startup only). */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import ts from 'typescript'

const SOURCE = resolve('src/registry')

/** Transpiles src/registry/*.ts into `outDir`; returns the path of index.js. */
export function compileRegistryClient(outDir: string): string {
  mkdirSync(outDir, { recursive: true })
  writeFileSync(join(outDir, 'package.json'), '{ "type": "module" }\n')
  for (const file of readdirSync(SOURCE).filter(f => f.endsWith('.ts'))) {
    const { outputText } = ts.transpileModule(readFileSync(join(SOURCE, file), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      fileName: file
    })
    writeFileSync(join(outDir, file.replace(/\.ts$/, '.js')), outputText)
  }
  return join(outDir, 'index.js')
}
