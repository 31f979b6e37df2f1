/** Reading JSON documents from outside (registries, layouts, helpers) without trusting their shape. */

/** A document that is not what it must be; `field` is a path such as `manifests[2].digest`. */
export class DocumentError extends Error {
  constructor(
    readonly document: string,
    readonly field: string,
    readonly problem: string,
    options?: { cause?: unknown }
  ) {
    super(field ? `${document}: ${field} ${problem}` : `${document} ${problem}`, options)
    this.name = 'DocumentError'
  }
}

/** A place in a parsed document: its value, and the path to it for error messages. */
export class JsonValue {
  constructor(
    readonly document: string,
    readonly value: unknown,
    readonly path = ''
  ) {}

  /** Parses `text` as JSON; throws a DocumentError naming `document` when it is not. */
  static parse(text: Uint8Array | string, document: string): JsonValue {
    const source = typeof text === 'string' ? text : Buffer.from(text).toString('utf8')
    try {
      return new JsonValue(document, JSON.parse(source))
    } catch (cause) {
      throw new DocumentError(document, '', 'is not valid JSON', { cause })
    }
  }

  fail(problem: string): never {
    throw new DocumentError(this.document, this.path, problem)
  }

  get present(): boolean {
    return this.value !== undefined && this.value !== null
  }

  field(key: string): JsonValue {
    const value = this.object()[key]
    return new JsonValue(this.document, value, this.path ? `${this.path}.${key}` : key)
  }

  object(): Record<string, unknown> {
    const v = this.value
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail('must be an object')
    return v as Record<string, unknown>
  }

  array(): JsonValue[] {
    if (!Array.isArray(this.value)) this.fail('must be an array')
    return (this.value as unknown[]).map(
      (item, i) => new JsonValue(this.document, item, `${this.path}[${i}]`)
    )
  }

  string(): string {
    if (typeof this.value !== 'string') this.fail('must be a string')
    return this.value
  }

  number(): number {
    if (typeof this.value !== 'number' || !Number.isFinite(this.value)) this.fail('must be a number')
    return this.value
  }

  /** `read(this)` when the value is there (not undefined or null), else undefined. */
  optional<T>(read: (value: JsonValue) => T): T | undefined {
    return this.present ? read(this) : undefined
  }

  /** An object whose values are all strings (annotations, labels, auths helpers). */
  stringMap(): Record<string, string> {
    for (const key of Object.keys(this.object())) this.field(key).string()
    return this.value as Record<string, string>
  }
}
