/**
 * CRC-32 (the gzip one) of concatenated data from the CRCs of its parts: zlib's crc32_combine, by
 * squaring the GF(2) matrix of "shift by one zero bit" (Mark Adler's method). Pure, no Node imports.
 */

const POLY = 0xedb88320

/** The matrix (32 columns) times a 32-bit vector, over GF(2). */
function gf2Times(matrix: Uint32Array, vector: number): number {
  let sum = 0
  for (let i = 0; vector !== 0; i++, vector >>>= 1) if (vector & 1) sum ^= matrix[i]!
  return sum >>> 0
}

function gf2Square(square: Uint32Array, matrix: Uint32Array): void {
  for (let n = 0; n < 32; n++) square[n] = gf2Times(matrix, matrix[n]!)
}

/** crc32(A ‖ B) from crc1 = crc32(A), crc2 = crc32(B) and len2 = |B| (any safe integer ≥ 0). */
export function crc32Combine(crc1: number, crc2: number, len2: number): number {
  if (len2 <= 0) return crc1 >>> 0
  const even = new Uint32Array(32)
  const odd = new Uint32Array(32)
  odd[0] = POLY
  for (let n = 1, row = 1; n < 32; n++, row <<= 1) odd[n] = row >>> 0
  gf2Square(even, odd) // two zero bits
  gf2Square(odd, even) // four zero bits
  let crc = crc1 >>> 0
  let remaining = len2
  // Each pass applies len2's next bit: one zero byte, then 2, 4, … (squares of the operator).
  for (;;) {
    gf2Square(even, odd)
    if (remaining % 2 === 1) crc = gf2Times(even, crc)
    remaining = Math.floor(remaining / 2)
    if (remaining === 0) break
    gf2Square(odd, even)
    if (remaining % 2 === 1) crc = gf2Times(odd, crc)
    remaining = Math.floor(remaining / 2)
    if (remaining === 0) break
  }
  return (crc ^ crc2) >>> 0
}
