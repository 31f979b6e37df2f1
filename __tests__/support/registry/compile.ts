/** The registry client as plain ES modules, for child processes (NODE_EXTRA_CA_CERTS is read at startup only). */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import ts from 'typescript'

const SOURCE = resolve('src/registry')

/** Transpiles every .ts file under src/registry into `outDir` (same folders); returns the path of index.js. */
export function compileRegistryClient(outDir: string): string {
  mkdirSync(outDir, { recursive: true })
  writeFileSync(join(outDir, 'package.json'), '{ "type": "module" }\n')
  const files = readdirSync(SOURCE, { recursive: true, encoding: 'utf8' }).filter(f => f.endsWith('.ts'))
  for (const file of files) {
    const { outputText } = ts.transpileModule(readFileSync(join(SOURCE, file), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      fileName: file
    })
    const out = join(outDir, file.replace(/\.ts$/, '.js'))
    mkdirSync(dirname(out), { recursive: true })
    writeFileSync(out, outputText)
  }
  return join(outDir, 'index.js')
}
