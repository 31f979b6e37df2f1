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
