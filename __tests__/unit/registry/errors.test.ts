import { describe, expect, it } from '@jest/globals'
import { RegistryError } from '../../../src/registry/index.js'
import { hintFor, parseErrorBody, redactUrl } from '../../../src/registry/transport/errors.js'

describe('RegistryError', () => {
  it('carries status, codes, method and a redacted URL', () => {
    const err = new RegistryError({
      method: 'PUT',
      url: 'https://user:pw@ghcr.io/v2/a/b/blobs/uploads/x?_state=SECRET&digest=sha256:abc&X-Amz-Signature=sig',
      status: 400,
      details: [{ code: 'DIGEST_INVALID', message: 'provided digest did not match' }]
    })
    expect(err.codes).toEqual(['DIGEST_INVALID'])
    expect(err.url).toBe(
      'https://ghcr.io/v2/a/b/blobs/uploads/x?_state=***&digest=sha256%3Aabc&X-Amz-Signature=***'
    )
    expect(err.message).toContain('PUT https://ghcr.io/v2/a/b/blobs/uploads/x')
    expect(err.message).toContain('400: DIGEST_INVALID: provided digest did not match')
    expect(err.message).not.toMatch(/SECRET|pw@|sig$/)
    expect(err.retryable).toBe(false)
    expect(new RegistryError({ method: 'GET', url: 'https://x/', status: 503 }).retryable).toBe(true)
  })

  it('keeps the cause', () => {
    const cause = new Error('socket hang up')
    expect(new RegistryError({ method: 'GET', url: 'https://x/', cause }).cause).toBe(cause)
  })
})

describe('parseErrorBody', () => {
  it('reads distribution errors and tolerates other bodies', () => {
    const body = Buffer.from('{"errors":[{"code":"DENIED","message":"denied","detail":{}}]}')
    expect(parseErrorBody(body)).toEqual([{ code: 'DENIED', message: 'denied' }])
    expect(parseErrorBody(Buffer.from('<html>\n<h1>Bad Gateway</h1></html>'))).toEqual([
      { code: 'UNKNOWN', message: '<html> <h1>Bad Gateway</h1></html>' }
    ])
    expect(parseErrorBody(Buffer.alloc(0))).toEqual([])
  })

  it('redacts unparseable URLs safely', () => {
    expect(redactUrl('not a url')).toBe('<invalid url>')
  })
})

describe('hints', () => {
  const ctx = { registry: 'ghcr.io', repository: 'acme/app', anonymous: false, push: true }

  it('turns ghcr.io write_package denials into workflow advice', () => {
    const details = [{ code: 'DENIED', message: 'permission_denied: write_package' }]
    const hint = hintFor(403, details, ctx)!
    expect(hint).toContain('permissions: packages: write')
    expect(hint).toContain('Manage Actions access')
    expect(hint).toContain('forks get a read-only GITHUB_TOKEN')
    expect(
      hintFor(
        403,
        [{ code: 'DENIED', message: 'installation not allowed to Write organization package' }],
        ctx
      )
    ).toBe(hint)
  })

  it('tells a wrong password from a missing login from missing rights', () => {
    expect(hintFor(401, [], ctx)).toMatch(/rejected the credentials.*classic personal access token/)
    expect(hintFor(401, [], { ...ctx, anonymous: true })).toMatch(/No credentials were found for ghcr.io/)
    const other = { ...ctx, registry: 'registry.example' }
    expect(hintFor(401, [], { ...other, insufficientScope: true })).toMatch(
      /valid but may not push to registry.example\/acme\/app/
    )
    expect(hintFor(403, [], other)).toMatch(/valid but may not push/)
    expect(hintFor(404, [], other)).toBeUndefined()
  })
})
