/** The OCI model: documents, media types, platforms and the parsers that validate them. */
export * from './media-types.js'
export type * from './types.js'
export * from './platform.js'
export * from './parse.js'
