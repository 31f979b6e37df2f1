/**
 * This machine cannot do what the inputs ask (no builder installed, no QEMU for a platform): not a
 * wrong input, so the CLI exits 1, not 2. The message says what is missing and how to install it.
 */
export class HostError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'HostError'
  }
}
