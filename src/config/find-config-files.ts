import { readdir, stat } from 'node:fs/promises'
import path from 'node:path'
import { ConfigError } from './config-error.js'

/**
 * The files `--config` names: the file itself, or every `*.yaml`/`*.yml` below a directory (recursively,
 * skipping dot-entries and not following symlinked directories), as absolute paths in sorted order.
 * Throws `ConfigError` when the path does not exist or a directory holds no YAML file.
 */
export async function findConfigFiles(target: string): Promise<string[]> {
  const root = path.resolve(target)
  const info = await stat(root).catch(() => undefined)
  if (!info) throw new ConfigError([`${target}: no such file or directory`])
  if (!info.isDirectory()) return [root]
  const files: string[] = []
  await walk(root, files)
  if (files.length === 0) throw new ConfigError([`${target}: no .yaml or .yml files found in this directory`])
  return files.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
}

async function walk(dir: string, into: string[]): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) await walk(full, into)
    else if (/\.ya?ml$/i.test(entry.name) && (entry.isFile() || (await isFile(full)))) into.push(full)
  }
}

async function isFile(file: string): Promise<boolean> {
  return (await stat(file).catch(() => undefined))?.isFile() ?? false
}
