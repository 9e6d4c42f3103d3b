import js from '@eslint/js'
import tseslint from 'typescript-eslint'

const browser = Object.fromEntries(
  [
    'window',
    'document',
    'fetch',
    'location',
    'localStorage',
    'navigator',
    'WebSocket',
    'confirm',
    'setTimeout',
    'setInterval',
    'Uint8Array',
    'URL',
    'Element',
    'HTMLElement',
    'HTMLButtonElement',
    'HTMLSelectElement',
  ].map((g) => [g, 'readonly']),
)

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.labgate/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  // The dashboard's native ES modules (the ones they share with the server live under src/).
  { files: ['web-static/**/*.js'], languageOptions: { sourceType: 'module', globals: browser } },
)
