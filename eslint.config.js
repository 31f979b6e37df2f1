import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import globals from 'globals'

/** The registry client is a library: no @actions/*, no imports from outside src/registry. */
function registryBoundary(files, outside) {
  const patterns = [
    { group: ['@actions/*'], message: 'The registry client must not depend on @actions/*.' },
    { group: [outside], message: 'The registry client is self-contained.' }
  ]
  return [{ files, rules: { 'no-restricted-imports': ['error', { patterns }] } }]
}

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', '.testenv/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true }],
      'no-restricted-imports': 'off'
    }
  },
  {
    files: ['src/**/*.ts'],
    extends: [tseslint.configs.recommendedTypeCheckedOnly],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } }
  },
  ...registryBoundary(['src/registry/*.ts'], '../*'),
  ...registryBoundary(['src/registry/*/*.ts'], '../../*'),
  {
    files: ['src/**/*.ts'],
    ignores: ['src/inputs/read.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[property.name='getInput']",
          message: 'core.getInput is read in src/inputs/read.ts only.'
        },
        {
          selector: "MemberExpression[property.name='getBooleanInput']",
          message: 'Inputs are read in src/inputs/read.ts only.'
        },
        {
          selector: "MemberExpression[property.name='getMultilineInput']",
          message: 'Inputs are read in src/inputs/read.ts only.'
        }
      ]
    }
  }
)
