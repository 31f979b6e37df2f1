import { readFile } from 'node:fs/promises'

/** The stage names (`FROM … AS name`) of a Dockerfile; undefined when a name is computed from an ARG. */
export async function dockerfileStages(file: string): Promise<string[] | undefined> {
  const text = await readFile(file, 'utf8')
  const joined = text.replace(/\\\r?\n/g, ' ')
  const stages: string[] = []
  for (const line of joined.split(/\r?\n/)) {
    const m = /^\s*FROM\s+.*\s+AS\s+(\S+)\s*$/i.exec(line)
    if (!m?.[1]) continue
    if (m[1].includes('$')) return undefined
    stages.push(m[1].toLowerCase())
  }
  return stages
}
