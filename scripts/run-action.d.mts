export interface ActionRun {
  exitCode: number
  stdout: string
  stderr: string
  outputs: Record<string, string>
  state: Record<string, string>
  summary: string
  /** What was left in RUNNER_TEMP after the post step. */
  leftovers: string[]
  post?: { exitCode: number; stdout: string; stderr: string }
  /** With `interrupt`: how long the main step took to exit after the signal, in ms. */
  stoppedAfterMs?: number
}
export interface RunOptions {
  /** Overrides of inputs, by their action.yml names. */
  inputs?: Record<string, string>
  /** Extra environment (GITHUB_*, DOCKER_HOST…). */
  env?: Record<string, string>
  /** The event payload written to GITHUB_EVENT_PATH. */
  event?: unknown
  /** What `${{ github.token }}` expands to in input defaults. */
  token?: string
  /** Run the post step too (default true). */
  post?: boolean
  cwd?: string
  /** Copy the action's output to stderr as it runs. */
  echo?: boolean
  /** Sends `signal` (default SIGINT) to the main step once `when(stdout so far)` holds: a cancelled job. */
  interrupt?: { when: (stdout: string) => boolean; signal?: 'SIGINT' | 'SIGTERM' | 'SIGKILL' }
}
export function runAction(options?: RunOptions): Promise<ActionRun>
export function parseCommandFile(text: string): Record<string, string>
export function loadActionYml(): Promise<{
  inputs: Record<string, { description: string; default?: string }>
  outputs: Record<string, { description: string }>
  runs: { using: string; main: string; post: string }
}>
