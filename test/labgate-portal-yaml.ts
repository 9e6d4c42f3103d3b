/**
 * A one-file TrainingPortal named `p` with the given lines under `spec.labgate` (indented by the caller),
 * written to a new temporary directory, for tests of what reads `spec.labgate` (validate, remote-labs
 * check). Its `spec.labgate` line is line 6 of `portal.yaml`, so line numbers in messages are predictable.
 */
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export async function writeLabgatePortal(labgate: string[], prefix = 'labgate-portal-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  const header = [
    'apiVersion: training.educates.dev/v1beta1',
    'kind: TrainingPortal',
    'metadata:',
    '  name: p',
  ]
  await writeFile(join(dir, 'portal.yaml'), [...header, 'spec:', '  labgate:', ...labgate, ''].join('\n'))
  return dir
}
