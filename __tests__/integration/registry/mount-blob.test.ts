import { describe, expect, it } from '@jest/globals'
import { testEnv, uniqueRepo } from '../../support/env.js'
import { randomLayer, recordingClient } from '../../support/registry/helpers.js'

describe('Repository.mountBlob', () => {
  it('mounts a blob from another repository of the registry, sending none of its bytes', async () => {
    const registry = testEnv().registry
    const [from, to] = [uniqueRepo('mount-from'), uniqueRepo('mount-to')]
    const { client, requests } = recordingClient()
    try {
      const layer = randomLayer(50_000)
      const missing = randomLayer(1_000)
      await client.repository(`${registry}/${from}`).pushBlob(layer.desc, { data: layer.data })
      const target = client.repository(`${registry}/${to}`)
      const start = requests.length

      expect(await target.mountBlob(layer.desc, [from])).toBe('mounted')
      expect(await target.blobExists(layer.desc.digest)).toBe(true)
      expect(await target.getBlob(layer.desc.digest)).toEqual(layer.data)
      expect(await target.mountBlob(layer.desc, [from])).toBe('exists')
      // a blob the source does not hold: the registry opens an upload session instead, which is cancelled
      expect(await target.mountBlob(missing.desc, [from])).toBeUndefined()
      expect(await target.blobExists(missing.desc.digest)).toBe(false)

      const sent = requests.slice(start).filter(r => r.method === 'PATCH' || r.method === 'PUT')
      expect(sent).toEqual([])
      expect(
        requests
          .slice(start)
          .filter(r => r.method === 'DELETE')
          .map(r => r.status)
      ).toHaveLength(1)
    } finally {
      client.close()
    }
  })
})
