import { stat } from 'node:fs/promises'

/** Whether something is at `path` (a file, a directory, a device); false when it cannot be seen. */
export async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined)) !== undefined
}

export async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false
}
