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
  { files: ['web-static/**/*.js'], languageOptions: { sourceType: 'script', globals: browser } },
)
