import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { realPathOf } from '../../../src/files/containment';
import { isInsideFolder } from '../../../src/util/paths';

describe('containment: where a path really is', () => {
  let root: string;
  beforeEach(() => {
    root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'animatediff-contain-')));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('a dangling symbolic link counts as where it points: outside the workspace is outside', async () => {
    const workspace = path.join(root, 'workspace');
    fs.mkdirSync(workspace);
    const outside = path.join(root, 'elsewhere', 'not-yet');
    fs.symlinkSync(outside, path.join(workspace, 'renders'));
    const real = await realPathOf(path.join(workspace, 'renders', 'fox-1.mp4'));
    assert.equal(real, path.join(outside, 'fox-1.mp4'));
    assert.equal(isInsideFolder(real, workspace), false);
  });

  it('a missing path inside stays inside; a link loop is refused', async () => {
    const workspace = path.join(root, 'workspace');
    fs.mkdirSync(workspace);
    assert.equal(await realPathOf(path.join(workspace, 'new', 'folder')), path.join(workspace, 'new', 'folder'));
    fs.symlinkSync(path.join(workspace, 'b'), path.join(workspace, 'a'));
    fs.symlinkSync(path.join(workspace, 'a'), path.join(workspace, 'b'));
    await assert.rejects(realPathOf(path.join(workspace, 'a', 'x')));
  });
});
