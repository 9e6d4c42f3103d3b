/** Every figure the benchmark can run, by id (the order they run in is FIGURE_IDS in figures.ts). */
import { densityFigure } from './density.js'
import {
  allocFigure,
  coldFigure,
  reserveFigure,
  scheduleFigure,
  warmFigure,
  type FigureContext,
  type FigureId,
  type FigureResult,
  type Settings,
} from './figures.js'
import { pagesFigure } from './pages.js'
import { replicasFigure } from './replicas.js'
import { scalingFigure } from './scaling.js'
import { slurmTerminalFigure } from './slurm-figure.js'
import {
  burstFigure,
  coldTerminalFigure,
  echoFigure,
  lti13TerminalFigure,
  memoryFigure,
  outputFigure,
  warmTerminalFigure,
} from './terminal-figures.js'
import { jobJupyterFigure, jobLocalFigure, wsCreateFigure } from './workspace-figures.js'

export const FIGURES: Record<FigureId, (ctx: FigureContext, s: Settings) => Promise<FigureResult>> = {
  reserve: reserveFigure,
  warm: warmFigure,
  'warm-terminal': warmTerminalFigure,
  'lti13-terminal': lti13TerminalFigure,
  cold: coldFigure,
  'cold-terminal': coldTerminalFigure,
  'slurm-terminal': slurmTerminalFigure,
  memory: memoryFigure,
  echo: echoFigure,
  output: outputFigure,
  'ws-create': wsCreateFigure,
  'job-local': jobLocalFigure,
  'job-jupyter': jobJupyterFigure,
  burst: burstFigure,
  schedule: scheduleFigure,
  alloc: allocFigure,
  density: densityFigure,
  scaling: scalingFigure,
  replicas: replicasFigure,
  pages: pagesFigure,
}
