import * as assert from 'node:assert/strict';
import { fillTemplate, formatFrames, formatMilliseconds, formatSeconds, formatSeed, formatSize } from '../../../src/webview/format';
import type { PanelStrings } from '../../../src/shared/protocol';
import { panelStringsFixture } from '../shared/fixtures';

const strings: PanelStrings = {
  ...panelStringsFixture(),
  secondsValue: '{0} s',
  minutesSecondsValue: '{0} min {1} s',
  framesValue: '{0} ({1} of video)',
  sizeValue: '{0} · {1} × {2}',
  sizeNames: { square: 'Square', landscape_16_9: 'Landscape 16:9', custom: 'Custom' },
};

describe('panel formatting', () => {
  it('fills numbered placeholders and leaves unknown ones', () => {
    assert.equal(fillTemplate('{0} of {1}', 'a', 'b'), 'a of b');
    assert.equal(fillTemplate('{1}{0}{1}', 'x', 'y'), 'yxy');
    assert.equal(fillTemplate('{0} {2}', 'x'), 'x {2}');
  });

  it('formats durations with one decimal under a minute', () => {
    assert.equal(formatSeconds(12.34, 'en', strings), '12.3 s');
    assert.equal(formatSeconds(0.84, 'en', strings), '0.8 s');
    assert.equal(formatSeconds(2, 'en', strings), '2.0 s');
    assert.equal(formatMilliseconds(12_345, 'en', strings), '12.3 s');
  });

  it('switches to minutes at a minute, without showing 60 seconds', () => {
    assert.equal(formatSeconds(59.96, 'en', strings), '1 min 0 s');
    assert.equal(formatSeconds(125.4, 'en', strings), '2 min 5 s');
    assert.equal(formatMilliseconds(3_599_600, 'en', strings), '60 min 0 s');
  });

  it('follows the display language for decimals, and survives an unknown one', () => {
    assert.equal(formatSeconds(12.34, 'de', strings), '12,3 s');
    assert.equal(formatSeconds(12.34, 'not a locale!', strings), formatSeconds(12.34, 'en', strings));
  });

  it('names sizes, and shows an unnamed size by its label', () => {
    assert.equal(formatSize({ label: 'square', width: 512, height: 512 }, 'en', strings), 'Square · 512 × 512');
    assert.equal(formatSize({ label: 'landscape_16_9', width: 1024, height: 576 }, 'en', strings), 'Landscape 16:9 · 1,024 × 576');
    assert.equal(formatSize({ label: 'custom', width: 640, height: 384 }, 'en', strings), 'Custom · 640 × 384');
    assert.equal(formatSize({ label: 'mystery', width: 8, height: 8 }, 'en', strings), 'mystery · 8 × 8');
  });

  it('gives the clip length with the frame count when the frame rate is known', () => {
    assert.equal(formatFrames(16, 8, 'en', strings), '16 (2.0 s of video)');
    assert.equal(formatFrames(16, null, 'en', strings), '16');
    assert.equal(formatFrames(16, 0, 'en', strings), '16');
  });

  it('shows seeds as plain digits people can copy', () => {
    assert.equal(formatSeed(4_294_967_295), '4294967295');
    assert.equal(formatSeed(0), '0');
  });
});
