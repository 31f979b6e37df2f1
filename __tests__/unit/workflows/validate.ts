/**
 * Validation of GitHub Actions workflow and action metadata files with GitHub's own parser
 * (@actions/workflow-parser, the one behind the Actions language service), plus the checks the parser
 * cannot make: that steps running this action pass only inputs its action.yml declares.
 */
import { readdir, readFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser'
import { parseAction } from '@actions/workflow-parser/actions/index'
import type { FileProvider } from '@actions/workflow-parser/workflows/file-provider'
import type { FileReference } from '@actions/workflow-parser/workflows/file-reference'
import { parse, parseDocument } from 'yaml'

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url))

/** The repository's name as callers write it: `OWNER/publish-image@v1`, `OWNER/publish-image/.github/…@v1`. */
const REPOSITORY = 'publish-image'

/**
 * Resolves reusable workflow references to this checkout: `./.github/workflows/x.yml` and
 * `OWNER/publish-image/.github/workflows/x.yml@ref` (what callers in other repositories write) read the
 * file here, so a caller's `with:` and `secrets:` are checked against the workflow's declarations.
 * Any other repository's workflow cannot be fetched and is reported by the parser.
 */
const fileProvider: FileProvider = {
  async getFileContent(ref: FileReference) {
    if ('repository' in ref && ref.repository !== REPOSITORY) {
      throw new Error(`${ref.owner}/${ref.repository} is not this repository`)
    }
    return { name: ref.path, content: await readFile(join(ROOT, ref.path), 'utf8') }
  }
}

/** Every error GitHub's parser reports for a workflow file: YAML, schema, expressions, jobs, called workflows. */
export async function workflowErrors(name: string, content: string): Promise<string[]> {
  const parsed = parseWorkflow({ name, content }, new NoOperationTraceWriter())
  const errors = parsed.context.errors.getErrors().map(e => e.message)
  if (parsed.value === undefined) return errors.length > 0 ? errors : [`${name}: not a workflow`]
  const template = await convertWorkflowTemplate(parsed.context, parsed.value, fileProvider, {
    fetchReusableWorkflowDepth: 1
  })
  return [...new Set([...errors, ...(template.errors ?? []).map(e => e.Message)])]
}

/** Every error GitHub's parser reports for action metadata (action.yml). */
export function actionErrors(name: string, content: string): string[] {
  const parsed = parseAction({ name, content }, new NoOperationTraceWriter())
  return parsed.context.errors.getErrors().map(e => e.message)
}

/** YAML syntax errors only, for files in .github/ that are neither workflows nor actions. */
export function yamlErrors(content: string): string[] {
  return parseDocument(content).errors.map(e => e.message)
}

export type FileKind = 'workflow' | 'action' | 'yaml'

/** Every YAML file under .github/, relative to the repository root, with the parser that applies. */
export async function githubYamlFiles(): Promise<{ path: string; kind: FileKind }[]> {
  const entries = await readdir(join(ROOT, '.github'), { recursive: true, withFileTypes: true })
  return entries
    .filter(e => e.isFile() && /\.ya?ml$/.test(e.name))
    .map(e => relative(ROOT, join(e.parentPath, e.name)).split('\\').join('/'))
    .sort()
    .map(path => ({ path, kind: kindOf(path) }))
}

function kindOf(path: string): FileKind {
  if (/^\.github\/workflows\/[^/]+$/.test(path)) return 'workflow'
  if (/(^|\/)action\.ya?ml$/.test(path)) return 'action'
  return 'yaml'
}

/** The inputs action.yml declares, read when called (other work may add inputs at any time). */
export async function actionInputs(): Promise<Set<string>> {
  const action = parse(await readFile(join(ROOT, 'action.yml'), 'utf8')) as {
    inputs?: Record<string, unknown>
  }
  return new Set(Object.keys(action.inputs ?? {}))
}

/**
 * Whether a step's `uses:` runs this action: `./` (from its own repository), `./.publish-image` (where
 * the reusable workflow checks it out) or `OWNER/publish-image@ref`.
 */
export function usesThisAction(uses: string): boolean {
  return /^\.\/?$/.test(uses) || uses === './.publish-image' || /^[^/\s]+\/publish-image@\S+$/.test(uses)
}

export interface ActionStep {
  /** `job <id>, step <n>` for messages. */
  where: string
  uses: string
  with: Record<string, unknown>
}

type Mapping = Record<string, unknown>

function isMapping(value: unknown): value is Mapping {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** The steps of a parsed workflow that run this action. */
export function actionSteps(workflow: unknown): ActionStep[] {
  const jobs = isMapping(workflow) && isMapping(workflow.jobs) ? workflow.jobs : {}
  const found: ActionStep[] = []
  for (const [id, job] of Object.entries(jobs)) {
    const steps = isMapping(job) && Array.isArray(job.steps) ? (job.steps as unknown[]) : []
    steps.forEach((step, n) => {
      if (!isMapping(step) || typeof step.uses !== 'string' || !usesThisAction(step.uses)) return
      found.push({
        where: `job ${id}, step ${n + 1}`,
        uses: step.uses,
        with: isMapping(step.with) ? step.with : {}
      })
    })
  }
  return found
}

/** `with:` keys of this action's steps that action.yml does not declare, as `where: key` messages. */
export function undeclaredActionInputs(workflow: unknown, declared: Set<string>): string[] {
  return actionSteps(workflow).flatMap(step =>
    Object.keys(step.with)
      .filter(key => !declared.has(key))
      .map(key => `${step.where} (${step.uses}): input '${key}' is not declared in action.yml`)
  )
}

/** A fenced ```yaml block of a Markdown file: its first line number (1-based) and its dedented text. */
export interface YamlBlock {
  line: number
  text: string
}

/** Every ```yaml / ```yml fenced block, including blocks indented inside list items. */
export function yamlBlocks(markdown: string): YamlBlock[] {
  const lines = markdown.split('\n')
  const blocks: YamlBlock[] = []
  for (let i = 0; i < lines.length; i++) {
    const open = /^( *)(`{3,}|~{3,})\s*ya?ml\b/.exec(lines[i] ?? '')
    if (!open) continue
    const indent = open[1]?.length ?? 0
    const fence = open[2] ?? '```'
    const body: string[] = []
    let j = i + 1
    while (j < lines.length && !(lines[j] ?? '').trim().startsWith(fence)) {
      body.push((lines[j] ?? '').slice(Math.min(indent, leadingSpaces(lines[j] ?? ''))))
      j++
    }
    blocks.push({ line: i + 2, text: body.join('\n') + '\n' })
    i = j
  }
  return blocks
}

function leadingSpaces(line: string): number {
  return line.length - line.trimStart().length
}

/** Whether a YAML block is a whole workflow rather than a fragment (a `with:` excerpt, a tag list…). */
export function looksLikeWorkflow(text: string): boolean {
  return /^jobs:/m.test(text)
}
