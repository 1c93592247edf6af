import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { ESLint } from 'eslint';

const repoRoot = path.join(__dirname, '..', '..', '..', '..');

/** What the project's lint says of `text` as if it were the file at `file` (relative to the repository). */
async function layerProblems(file: string, text: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: repoRoot });
  const [result] = await eslint.lintText(text, { filePath: path.join(repoRoot, file) });
  return result.messages.filter((message) => message.ruleId === 'house/layers').map((message) => message.message);
}

describe('lint: the layers of src/', () => {
  it('refuses an import that points up a layer', async () => {
    const problems = await layerProblems('src/model/example.ts', "import { GenerationService } from '../generation/generationService';\nexport type S = GenerationService;\n");
    assert.equal(problems.length, 1);
    assert.match(problems[0], /src\/model\/ may not import src\/generation\//);
  });

  it('holds the fal boundary and the webview to what they may import', async () => {
    assert.equal((await layerProblems('src/fal/example.ts', "import { readSettings } from '../config/reader';\nexport const r = readSettings;\n")).length, 1);
    assert.equal((await layerProblems('src/fal/example.ts', "import { LIMITS } from '../model/animateDiff';\nexport const l = LIMITS;\n")).length, 0);
    assert.equal((await layerProblems('src/webview/example.ts', "import { shorten } from '../util/text';\nexport const s = shorten;\n")).length, 1);
  });

  it('lets a room import its own files, the rooms below it, and the root import anything', async () => {
    assert.equal((await layerProblems('src/history/store/example.ts', "import { shorten } from '../../util/text';\nimport { HISTORY_FOLDER_NAME } from '../ids';\nexport const s = [shorten, HISTORY_FOLDER_NAME];\n")).length, 0);
    assert.equal((await layerProblems('src/example.ts', "import { ParamsRunner } from './runs/runner';\nexport type R = ParamsRunner;\n")).length, 0);
  });
});
