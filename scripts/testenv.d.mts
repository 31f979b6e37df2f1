export const STATE_DIR: string
export const BASE_IMAGE_REPO: string
export interface RegistryProcess {
  pid: number
  host: string
  port: number
  dir: string
}
export function startRegistry(opts: {
  dir: string
  extraConfig?: string
  port?: number
  tls?: boolean
}): Promise<RegistryProcess>
export function freePort(): Promise<number>
export function isAlive(pid: number | undefined): boolean
export function waitFor(what: string, check: () => unknown, timeoutMs?: number): Promise<void>
export function startDaemon(cmd: string, args: string[], logFile: string): number
export function trustLoopbackRegistry(host: string): string
export function up(): Promise<unknown>
export function down(): Promise<void>
