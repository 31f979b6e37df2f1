import type HandlebarsModule from 'handlebars'
import type MomentModule from 'moment-timezone'

/** Handlebars and moment-timezone: nearly half of the bundle, needed only by a `{{…}}` template. */
export interface TemplateEngine {
  handlebars: typeof HandlebarsModule
  moment: typeof MomentModule
}

let engine: TemplateEngine | undefined
let loading: Promise<TemplateEngine> | undefined

/** True when any of these input lines holds a template, i.e. the engine must be loaded before rendering. */
export function needsTemplateEngine(lines: readonly string[]): boolean {
  return lines.some(line => line.includes('{{'))
}

/**
 * Loads the engine once. Lazily, because parsing and initializing it (moment-timezone unpacks its whole
 * zone database) costs every run about 30 ms before the build can start, templates or not.
 */
export function loadTemplateEngine(): Promise<TemplateEngine> {
  loading ??= Promise.all([import('handlebars'), import('moment-timezone')]).then(
    ([handlebars, moment]) => (engine = { handlebars: handlebars.default, moment: moment.default }),
    (err: unknown) => {
      loading = undefined
      throw new Error('cannot load the template engine (handlebars, moment-timezone)', { cause: err })
    }
  )
  return loading
}

/** The loaded engine. Rendering a template before loadTemplateEngine() resolved is a defect in the caller. */
export function templateEngine(): TemplateEngine {
  if (!engine) throw new Error('the template engine is not loaded: await loadTemplateEngine() first')
  return engine
}
