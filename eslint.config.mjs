// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const srcFolder = path.join(path.dirname(fileURLToPath(import.meta.url)), 'src');

/**
 * The rooms of src/ and the rooms each may import (ARCHITECTURE.md draws them). A room imports only rooms
 * below it; files directly in src/ (activation and the composition root) may import any room.
 */
const ROOMS = {
  l10n: [],
  model: ['l10n'],
  shared: [],
  util: ['l10n'],
  ui: ['l10n', 'util'],
  fal: ['l10n', 'model'],
  config: ['l10n', 'model'],
  files: ['l10n', 'util'],
  webview: ['shared'],
  generation: ['l10n', 'model', 'fal', 'config', 'files', 'ui', 'util'],
  params: ['l10n', 'model', 'config', 'ui', 'util'],
  panel: ['l10n', 'model', 'shared', 'files', 'generation', 'ui', 'util'],
  history: ['l10n', 'model', 'config', 'files', 'generation', 'panel', 'ui', 'util'],
  runs: ['l10n', 'model', 'config', 'files', 'generation', 'panel', 'params', 'ui', 'util'],
  commands: ['l10n', 'model', 'fal', 'config', 'files', 'generation', 'panel', 'params', 'history', 'runs', 'ui', 'util'],
  chat: ['l10n', 'model', 'config', 'files', 'generation', 'panel', 'params', 'runs', 'ui', 'util'],
};

/** The room a file of src/ is in: its first folder, or undefined for the files directly in src/. */
function roomOf(file) {
  const relative = path.relative(srcFolder, file);
  const [first, ...rest] = relative.split(path.sep);
  return rest.length > 0 ? first : undefined;
}

/** @type {import('eslint').Rule.RuleModule} */
const layersRule = {
  meta: {
    type: 'problem',
    docs: { description: 'Keeps the rooms of src/ in their layers (see ARCHITECTURE.md).' },
    messages: {
      upward: 'src/{{from}}/ may not import src/{{to}}/: it may import {{allowed}}. See ARCHITECTURE.md.',
      unknownRoom: 'src/{{room}}/ is not a room of the house: add it to ROOMS in eslint.config.mjs and to ARCHITECTURE.md.',
    },
    schema: [],
  },
  create(context) {
    const from = roomOf(context.filename);
    if (from === undefined || !context.filename.startsWith(srcFolder)) {
      return {};
    }
    const allowed = ROOMS[from];
    const check = (node, specifier) => {
      if (typeof specifier !== 'string' || !specifier.startsWith('.')) {
        return;
      }
      if (!allowed) {
        context.report({ node, messageId: 'unknownRoom', data: { room: from } });
        return;
      }
      const to = roomOf(path.resolve(path.dirname(context.filename), specifier));
      if (to !== from && (to === undefined || !allowed.includes(to))) {
        context.report({
          node,
          messageId: 'upward',
          data: { from, to: to ?? '(the root)', allowed: allowed.length > 0 ? allowed.map((room) => `${room}/`).join(', ') : 'no other room' },
        });
      }
    };
    return {
      ImportDeclaration: (node) => check(node.source, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node.source, node.source.value),
      ExportAllDeclaration: (node) => check(node.source, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node.source, node.source.value),
    };
  },
};

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', '.cache/**', 'node_modules/**', 'test-output/**'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'eqeqeq': ['error', 'smart'],
      'curly': 'error',
      'no-restricted-imports': ['error', {
        paths: [{ name: '@fal-ai/client', message: 'Only src/fal/falClient.ts may import the fal client.' }],
      }],
    },
  },
  {
    files: ['src/**/*.ts'],
    plugins: { house: { rules: { layers: layersRule } } },
    rules: { 'house/layers': 'error' },
  },
  {
    // Tests and benchmarks drive the fal imitation with the real client; the rule guards the product's single import.
    files: ['src/fal/falClient.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: { globals: { ...globals.node } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
