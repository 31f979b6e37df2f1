import { InputError } from '../../inputs/errors.js'

const KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/

/** Checks `build-args` lines are KEY=VALUE (or a bare KEY, taken from the environment by the builder). */
export function validateBuildArgs(lines: string[]): void {
  lines.forEach((line, i) => {
    const eq = line.indexOf('=')
    const key = eq < 0 ? line : line.slice(0, eq)
    if (!KEY.test(key)) {
      throw new InputError(
        'build-args',
        `line ${i + 1}: expected KEY=VALUE with KEY made of letters, digits and _`
      )
    }
  })
}
