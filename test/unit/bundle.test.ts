import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const repoRoot = path.join(__dirname, '..', '..', '..');
/** `npm test` builds dist/ before the unit tests; this reads esbuild's metafile of that build. */
const metaFile = path.join(repoRoot, 'dist', 'meta.json');

interface Metafile {
  outputs: Record<string, { bytes: number; inputs: Record<string, { bytesInOutput: number }>; imports: Array<{ path: string; external?: boolean }> }>;
}

function outputOf(meta: Metafile, name: string): Metafile['outputs'][string] {
  const entry = Object.entries(meta.outputs).find(([file]) => file.replace(/\\/g, '/').endsWith(`dist/${name}`));
  assert.ok(entry, `dist/${name} is in the metafile`);
  return entry[1];
}

describe('extension bundle', () => {
  const meta = JSON.parse(fs.readFileSync(metaFile, 'utf8')) as Metafile;
  const output = (name: string) => outputOf(meta, name);

  it('activation entry does not contain zod or the fal client (they load on first use)', () => {
    const inputs = Object.keys(output('extension.js').inputs);
    assert.ok(inputs.some((i) => i.endsWith('src/extension.ts')));
    const heavy = inputs.filter((i) => /node_modules\/(zod|@fal-ai)\//.test(i));
    assert.deepEqual(heavy, []);
    assert.ok(inputs.every((i) => !i.includes('src/core.ts')), 'the core is a separate bundle');
  });

  it('the core bundle carries the fal client and zod, with vscode left external', () => {
    const core = output('core.js');
    const inputs = Object.keys(core.inputs);
    assert.ok(inputs.some((i) => i.includes('node_modules/@fal-ai/client/')));
    assert.ok(inputs.some((i) => i.includes('node_modules/zod/')));
    assert.ok(core.imports.some((i) => i.path === 'vscode' && i.external));
  });

  it('the fal client goes without its realtime part', () => {
    const inputs = Object.keys(output('core.js').inputs);
    assert.deepEqual(inputs.filter((i) => /node_modules\/(@msgpack|robot3)\/|@fal-ai\/client\/src\/realtime\.js/.test(i)), []);
  });

  it('only src/fal/falClient.ts imports @fal-ai/client', () => {
    const srcRoot = path.join(repoRoot, 'src');
    const importers: string[] = [];
    for (const entry of fs.readdirSync(srcRoot, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !entry.name.endsWith('.ts')) {
        continue;
      }
      const file = path.join(entry.parentPath, entry.name);
      if (/(from|require\()\s*['"]@fal-ai\/client['"]/.test(fs.readFileSync(file, 'utf8'))) {
        importers.push(path.relative(srcRoot, file).replace(/\\/g, '/'));
      }
    }
    assert.deepEqual(importers, ['fal/falClient.ts']);
  });

  it('the fal boundary never uses the client\'s realtime connection (the bundles leave it out)', () => {
    const source = fs.readFileSync(path.join(repoRoot, 'src', 'fal', 'falClient.ts'), 'utf8');
    assert.doesNotMatch(source, /realtime/i);
  });
});
