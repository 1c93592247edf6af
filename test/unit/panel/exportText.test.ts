import * as assert from 'node:assert/strict';
import { fileStem, formatFileSize, fpsChoices, isExportChoice, markdownImage, widthChoices } from '../../../src/panel/exportText';

describe('export texts and choices', () => {
  it('offers the video’s own width and frame rate first, then smaller ones', () => {
    assert.deepEqual(widthChoices(512), [512, 480, 320, 256, 160]);
    assert.deepEqual(widthChoices(256), [256, 160]);
    assert.deepEqual(fpsChoices(8), [8, 4, 2]);
    assert.deepEqual(fpsChoices(6), [6, 3]);
    assert.deepEqual(fpsChoices(1), [1]);
  });

  it('escapes the prompt as alt text and keeps the path a path', () => {
    assert.equal(markdownImage('a fox [cute]\nin snow', 'a-fox.gif'), '![a fox \\[cute\\] in snow](a-fox.gif)');
    assert.equal(markdownImage('back\\slash', 'media/my clip.gif'), '![back\\\\slash](<media/my clip.gif>)');
  });

  it('names files from the prompt', () => {
    assert.equal(fileStem('A red fox, running through fresh snow at sunrise — cinematic!'), 'a-red-fox-running-through-fresh-snow-at');
    assert.equal(fileStem('日本語'), 'animatediff');
  });

  it('formats sizes and recognises a full export choice', () => {
    assert.equal(formatFileSize(980), '980 B');
    assert.equal(formatFileSize(412_300), '412 KB');
    assert.equal(formatFileSize(3_400_000), '3.4 MB');
    assert.equal(isExportChoice({ format: 'gif', width: 256, fps: 8, loop: true }), true);
    assert.equal(isExportChoice({ format: 'png', width: 256, fps: 8, loop: true }), false);
    assert.equal(isExportChoice('gif'), false);
  });
});
