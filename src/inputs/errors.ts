/** A user input that cannot work. The message names the input and says how to fix it. */
export class InputError extends Error {
  constructor(
    readonly input: string,
    message: string,
    options?: { cause?: unknown }
  ) {
    super(`input '${input}': ${message}`, options)
    this.name = 'InputError'
  }
}

/** An input whose behaviour a later release delivers, set to a non-default value. */
export class NotSupportedYetError extends InputError {
  constructor(input: string, detail = '') {
    super(input, `not supported yet: ${input}${detail ? ` (${detail})` : ''}; leave it at its default`)
    this.name = 'NotSupportedYetError'
  }
}
