import { InputError } from '../inputs/errors.js'
import { EnvVarError } from './clock.js'
import { errorMessage } from '../errors.js'
import { baseRef, branchName, isDefaultBranch, shortSha, tagName } from './refs.js'
import { templateEngine } from './template-engine.js'
import type { GitContext } from './types.js'

/** What global expressions read: the run, the build time and the commit date. */
export interface TemplateScope {
  ctx: GitContext
  env: NodeJS.ProcessEnv
  now: Date
  commitDate: Date
}

/** Where a template came from, so a bad one is reported with its input and line. */
export interface Source {
  input: string
  entry: string
}

/**
 * Renders a Handlebars template the way metadata-action does, HTML escaping included
 * (`{{branch}}` of `a=b` renders `a&#x3D;b`). Any failure becomes an InputError naming the source.
 * Text without `{{` is what Handlebars would render it to (escapes and expressions all start there), so
 * it needs no engine. (Handlebars would refuse a NUL character, which no input can hold.)
 */
export function render(template: string, data: object, source: Source): string {
  if (!template.includes('{{')) return template
  const { handlebars } = templateEngine()
  try {
    return handlebars.compile(template)(data)
  } catch (err) {
    if (err instanceof EnvVarError || err instanceof InputError) throw err
    throw new InputError(
      source.input,
      `cannot render '${template}' in '${source.entry}': ${errorMessage(err)}`,
      {
        cause: err
      }
    )
  }
}

/** `prefix`, `suffix`, `value`, `enable`, labels and annotations: every global expression. */
export function renderGlobal(template: string, scope: TemplateScope, source: Source): string {
  return render(template, globalExpressions(scope), source)
}

/** `type=schedule` patterns: only the date helpers exist there. */
export function renderSchedule(template: string, scope: TemplateScope, source: Source): string {
  const helpers = {
    date: dateHelper('date', scope.now),
    commit_date: dateHelper('commit_date', scope.commitDate)
  }
  return render(template, helpers, source)
}

function globalExpressions(scope: TemplateScope): Record<string, unknown> {
  const { ctx, env } = scope
  return {
    branch: () => branchName(ctx.ref),
    tag: () => tagName(ctx.ref),
    sha: () => shortSha(ctx.sha, env),
    base_ref: () => baseRef(ctx),
    is_default_branch: () => String(isDefaultBranch(ctx)),
    is_not_default_branch: () => String(!isDefaultBranch(ctx)),
    date: dateHelper('date', scope.now),
    commit_date: dateHelper('commit_date', scope.commitDate)
  }
}

interface HelperOptions {
  hash?: Record<string, unknown>
}

/**
 * `{{date 'YYYYMMDD' tz='Asia/Tokyo'}}`: moment format, UTC by default. An unquoted format renders moment's
 * default ISO format (as metadata-action does). No format at all fails: metadata-action crashes there,
 * and an ISO time is rarely the tag anyone meant.
 */
function dateHelper(name: string, date: Date): (...args: unknown[]) => string {
  return (...args: unknown[]) => {
    if (args.length < 2) {
      throw new Error(
        `{{${name}}} needs a format, e.g. {{${name} 'YYYYMMDD'}} or {{${name} 'YYYY-MM-DDTHH:mm:ssZ'}}`
      )
    }
    const options = (args[args.length - 1] ?? {}) as HelperOptions
    const format = typeof args[0] === 'string' ? args[0] : undefined
    let tz = 'UTC'
    for (const [key, value] of Object.entries(options.hash ?? {})) {
      if (key !== 'tz') throw new Error(`unknown attribute '${key}' (only tz is allowed)`)
      tz = String(value)
    }
    const { moment } = templateEngine()
    if (!moment.tz.zone(tz)) throw new Error(`unknown time zone '${tz}'`)
    return moment(date).tz(tz).format(format)
  }
}

/** True when the pattern is exactly `{{raw}}` (spaces allowed), which keeps a pre-release's raw form. */
export function isRawStatement(pattern: string): boolean {
  if (!pattern.includes('{{')) return false
  const { handlebars } = templateEngine()
  try {
    const program = handlebars.parseWithoutProcessing(pattern)
    const [only] = program.body
    if (program.body.length !== 1 || only?.type !== 'MustacheStatement') return false
    const path = (only as hbs.AST.MustacheStatement).path as hbs.AST.PathExpression
    return path.parts?.length === 1 && path.parts[0] === 'raw'
  } catch {
    return false
  }
}

/** True when any of these input lines uses `{{commit_date}}`, i.e. resolveCommitDate is worth an API call. */
export function usesCommitDate(lines: readonly string[]): boolean {
  return lines.some(line => /\{\{~?\s*commit_date\b/.test(line))
}
