import path from 'node:path'
import type { ConfigNode } from './config-node.js'
import { readIngresses } from './read-ingresses.js'
import { readResourceName } from './read-metadata.js'
import { readPlacement } from './read-slurm.js'
import { readRequestParameters } from './read-request-parameters.js'
import {
  readBoolean,
  readDuration,
  readEnum,
  readEnvList,
  readLabels,
  readString,
  readStringList,
} from './read-values.js'
import type { WorkshopDefinition } from './types.js'

const SPEC_FIELDS = [
  'title',
  'description',
  'vendor',
  'authors',
  'difficulty',
  'duration',
  'tags',
  'labels',
  'logo',
  'url',
  'session',
  'request',
  'labgate',
  'workshop',
]
/** Educates Workshop fields about content, publishing and Kubernetes objects: no meaning in labgate. */
const SPEC_IGNORED = ['version', 'content', 'publish', 'environment']
/** Educates' `spec.workshop` fields besides `image` (files and packages pulled into the image): ignored. */
const WORKSHOP_IGNORED = ['files', 'packages']

const DIFFICULTIES = ['beginner', 'intermediate', 'advanced', 'extreme'] as const

/**
 * Reads one Workshop resource (either apiVersion) from its document root. `sourceFile` is the file's
 * resolved path; `directory` becomes its directory. Errors and warnings go to the node's findings; returns
 * `undefined` only when the resource has no usable name (other invalid fields fall back to defaults).
 */
export function readWorkshop(root: ConfigNode, sourceFile: string): WorkshopDefinition | undefined {
  const name = readResourceName(root)
  const spec = root.get('spec')
  spec.fields(SPEC_FIELDS, SPEC_IGNORED)
  const session = spec.get('session')
  session.map()
  const request = spec.get('request')
  request.map()
  const labgate = spec.get('labgate')
  labgate.fields(['workspace', 'backend', 'slurm'])
  const image = spec.get('workshop')
  image.fields(['image'], WORKSHOP_IGNORED)
  const workshop: WorkshopDefinition = {
    name: name ?? '',
    title: readString(spec.get('title')) || (name ?? ''),
    description: readString(spec.get('description')) ?? '',
    vendor: readString(spec.get('vendor')) ?? '',
    authors: readStringList(spec.get('authors')),
    difficulty: readEnum(spec.get('difficulty'), DIFFICULTIES) ?? '',
    duration: readDuration(spec.get('duration')) ?? 0,
    tags: readStringList(spec.get('tags')),
    labels: readLabels(spec.get('labels')) ?? {},
    logo: readString(spec.get('logo')) ?? '',
    url: readString(spec.get('url')) ?? '',
    env: readEnvList(session.get('env')) ?? [],
    requestParameters: readRequestParameters(request.get('parameters')),
    directory: path.dirname(sourceFile),
    sourceFile,
    ingresses: readIngresses(session.get('ingresses')),
    workspace: readBoolean(labgate.get('workspace')) ?? false,
  }
  const placement = readPlacement(labgate.get('backend'), labgate.get('slurm'))
  if (placement) workshop.placement = placement
  const sessionImage = readString(image.get('image'))
  if (sessionImage) workshop.image = sessionImage
  return name === undefined ? undefined : workshop
}
