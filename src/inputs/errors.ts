/** A user input that cannot work. The message names the input and says how to fix it. */
export class InputError extends Error {
  constructor(
    readonly input: string,
    /** What is wrong and how to fix it, without the input's name (the CLI names its flag instead). */
    readonly detail: string,
    options?: { cause?: unknown }
  ) {
    super(`input '${input}': ${detail}`, options)
    this.name = 'InputError'
  }
}
