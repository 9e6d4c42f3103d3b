// The page loads xterm.js and its fit addon as classic scripts before the modules: their globals.
import type { FitAddon } from '@xterm/addon-fit'
import type { Terminal } from '@xterm/xterm'

declare global {
  interface Window {
    Terminal: typeof Terminal
    FitAddon: { FitAddon: typeof FitAddon }
  }
}
