import { mkdtemp, symlink, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import type { Descriptor } from '../registry/index.js'

/**
 * A view of the OCI layout at `layoutDir` holding only `manifest`: its own index.json and oci-layout, and
 * the layout's blobs through a symlink (nothing copied). syft then scans exactly that manifest, whatever
 * platforms the layout holds. Returns the view's directory, inside `parentDir`.
 */
export async function singleManifestView(
  layoutDir: string,
  manifest: Descriptor,
  parentDir: string
): Promise<string> {
  const dir = await mkdtemp(join(parentDir, 'view-'))
  await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }))
  const index = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [manifest]
  }
  await writeFile(join(dir, 'index.json'), JSON.stringify(index))
  await symlink(resolve(layoutDir, 'blobs'), join(dir, 'blobs'), 'dir')
  return dir
}
