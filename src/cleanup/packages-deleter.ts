/** Deleting manifests on ghcr.io and GHES: through the package's versions, which are named by digest. */
import { PackagesApiError, type PackageRef, type PackagesApi } from '../packages/api.js'
import type { ManifestDeleter } from './types.js'
import { errorMessage } from '../errors.js'

export function packagesDeleter(api: PackagesApi, pkg: PackageRef, serverUrl: string): ManifestDeleter {
  let ids: Map<string, number> | undefined
  const refresh = async () => {
    ids = new Map((await api.versions(pkg)).map(v => [v.name, v.id]))
    return ids
  }
  return {
    via: 'GitHub Packages API',
    async delete(digest) {
      const id = (ids ?? (await refresh())).get(digest) ?? (await refresh()).get(digest)
      if (id === undefined) return 'gone'
      try {
        await api.deleteVersion(pkg, id)
        return 'deleted'
      } catch (error) {
        const status = error instanceof PackagesApiError ? error.status : undefined
        if (status === 404) return 'gone'
        if (status === 400 || status === 422) return { skipped: refusal(error) }
        if (status === 403 || status === 401) throw forbidden(pkg, serverUrl, error)
        throw error
      }
    }
  }
}

/** GitHub refuses to delete a public version downloaded over 5,000 times: report it, go on. */
function refusal(error: unknown): string {
  const message = errorMessage(error)
  return /download/i.test(message)
    ? 'GitHub keeps versions with more than 5,000 downloads'
    : `GitHub refused to delete it (${message})`
}

function forbidden(pkg: PackageRef, serverUrl: string, cause: unknown): Error {
  const settings = `${serverUrl.replace(/\/+$/, '')}/orgs/${pkg.owner}/packages/container/${encodeURIComponent(pkg.name)}/settings`
  return new Error(
    `the token may not delete versions of the package ${pkg.owner}/${pkg.name}: give this repository the ` +
      `Admin role under "Manage Actions access" in the package settings (${settings}; for a user's ` +
      'package, /users/… instead of /orgs/…), and permissions: packages: write in the workflow',
    { cause }
  )
}
