// Screenshots of the product that are committed as documentation (the walkthrough's step images, the README's
// pictures): taken by UI tests, reduced to 256 colours with ffmpeg, and checked on every run against the committed
// copies — the same size in pixels and, shrunk to a coarse grey thumbnail, nearly the same picture (a video frame or
// an age in the History differs from run to run; a changed layout, another theme or a hand-made image do not pass).
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { uiEnvironment } from './workbench';

export interface Box { x: number; y: number; width: number; height: number }

/** Where a set of committed screenshots lives, and what replaces them when the product changes on purpose. */
export interface MediaSet {
  /** The folder of the committed images (e.g. media/walkthrough). */
  readonly dir: string;
  /** True when this run replaces the committed images instead of checking them. */
  readonly update: boolean;
  /** How to replace them, quoted in a failure. */
  readonly howToUpdate: string;
  /** Largest file allowed, in bytes. */
  readonly maxBytes: number;
}

/**
 * The README's pictures (media/readme/, shown on the Marketplace from the repository, not packaged), each captured by
 * the UI test of the feature it shows, at the moment a person sees it. When the product changes on purpose, replace
 * them by running those tests with ANIMATEDIFF_UPDATE_README_MEDIA=1:
 *   node esbuild.js --tests && ANIMATEDIFF_UPDATE_README_MEDIA=1 ANIMATEDIFF_TEST_GREP="<test>" node test/harness/run-ui.js
 * with <test> one of "Compare Side by Side", "UI: Restricted Mode", "UI: parameter files",
 * "UI: generate a video from the selection", "UI: export a video", "UI: chat" (a regular expression: join them with |).
 */
export const README_MEDIA: MediaSet = {
  dir: path.join(__dirname, '..', '..', '..', 'media', 'readme'),
  update: process.env.ANIMATEDIFF_UPDATE_README_MEDIA === '1',
  howToUpdate: 'update it: ANIMATEDIFF_UPDATE_README_MEDIA=1 (see README_MEDIA in test/ui/screenshots.ts)',
  maxBytes: 200 * 1024,
};

const THUMBNAIL = { width: 48, height: 30 };
/** How many pixels a committed image's width or height may differ from a fresh capture's. */
const SIZE_SLACK = 4;
/** Mean difference of the grey thumbnails (0–255) a fresh capture may have from the committed image. */
const MAX_THUMBNAIL_DIFFERENCE = 24;

/** The smallest box around all of them. */
export function union(...boxes: Box[]): Box {
  const x = Math.min(...boxes.map((b) => b.x));
  const y = Math.min(...boxes.map((b) => b.y));
  const right = Math.max(...boxes.map((b) => b.x + b.width));
  const bottom = Math.max(...boxes.map((b) => b.y + b.height));
  return { x, y, width: right - x, height: bottom - y };
}

/** The box grown by `margin` on every side, kept inside the page's viewport. */
export function around(box: Box, page: Page, margin: number): Box {
  const viewport = page.viewportSize() ?? { width: Number.POSITIVE_INFINITY, height: Number.POSITIVE_INFINITY };
  const x = Math.max(0, box.x - margin);
  const y = Math.max(0, box.y - margin);
  const right = Math.min(viewport.width, box.x + box.width + margin);
  const bottom = Math.min(viewport.height, box.y + box.height + margin);
  return { x, y, width: right - x, height: bottom - y };
}

/**
 * A box of a fixed size from the top of the page, centred on `box`: for the quick input, whose width VS Code varies
 * by some pixels from one window to the next, so the picture keeps its size.
 */
export function topCentredOn(box: Box, page: Page, size: { width: number; height: number }): Box {
  const viewportWidth = page.viewportSize()?.width ?? Number.POSITIVE_INFINITY;
  const x = Math.max(0, Math.min(viewportWidth - size.width, box.x + box.width / 2 - size.width / 2));
  return { x, y: 0, width: size.width, height: size.height };
}

/** Where an element is on the page; it must be on screen. */
export async function boxOf(element: Locator): Promise<Box> {
  const found = await element.boundingBox();
  assert.ok(found, `${element.toString()} is on screen`);
  return found;
}

/** Width and height of a PNG, from its IHDR chunk. */
export function pngSize(file: string): { width: number; height: number } {
  const header = fs.readFileSync(file).subarray(0, 24);
  assert.equal(header.toString('latin1', 12, 16), 'IHDR', `${path.basename(file)} is a PNG`);
  return { width: header.readUInt32BE(16), height: header.readUInt32BE(20) };
}

/** The image shrunk to THUMBNAIL in 8-bit grey, one byte a pixel. */
function greyThumbnail(file: string): Buffer {
  const result = spawnSync('ffmpeg', [
    '-v', 'error', '-i', file, '-vf', `scale=${THUMBNAIL.width}:${THUMBNAIL.height}:flags=area,format=gray`, '-f', 'rawvideo', '-',
  ], { maxBuffer: 1024 * 1024 });
  if (result.status !== 0) {
    throw new Error(`ffmpeg could not read ${file}: ${result.error?.message ?? result.stderr.toString('utf8')}`);
  }
  assert.equal(result.stdout.length, THUMBNAIL.width * THUMBNAIL.height);
  return result.stdout;
}

/** Asserts the committed image is the same size as the fresh capture and shows nearly the same picture. */
function assertCommittedImageIsCurrent(media: MediaSet, captured: string): void {
  const name = path.basename(captured);
  const committed = path.join(media.dir, name);
  const shown = `${path.basename(media.dir)}/${name}`;
  assert.ok(fs.existsSync(committed), `${shown} is missing; ${media.howToUpdate}`);
  // Within a few pixels: the captured region follows the workbench's layout, which fonts can move by a pixel.
  const [was, now] = [pngSize(committed), pngSize(captured)];
  assert.ok(Math.abs(was.width - now.width) <= SIZE_SLACK && Math.abs(was.height - now.height) <= SIZE_SLACK,
    `${shown} is ${was.width}×${was.height}, the product is captured at ${now.width}×${now.height}; ${media.howToUpdate}`);
  const [before, after] = [greyThumbnail(committed), greyThumbnail(captured)];
  let total = 0;
  for (let i = 0; i < after.length; i += 1) {
    total += Math.abs(after[i] - before[i]);
  }
  const difference = total / after.length;
  assert.ok(difference <= MAX_THUMBNAIL_DIFFERENCE,
    `${shown} no longer shows what the product shows (mean difference ${difference.toFixed(1)} > ${MAX_THUMBNAIL_DIFFERENCE}); ${media.howToUpdate}`);
}

/** 256 colours, no dithering: the workbench's flat colours stay exact, and the file small. */
function quantize(raw: string, out: string): void {
  const result = spawnSync('ffmpeg', [
    '-v', 'error', '-y', '-i', raw,
    '-vf', 'split[a][b];[a]palettegen=max_colors=256:reserve_transparent=0[p];[b][p]paletteuse=dither=none',
    '-pred', 'mixed', out,
  ], { encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`ffmpeg could not reduce ${raw}: ${result.error?.message ?? result.stderr}`);
  }
}

/**
 * Screenshots `box` of the page into `outDir/<name>.png` and then either replaces the committed image (updating)
 * or checks the committed one is still what the product shows.
 */
export async function captureInto(media: MediaSet, page: Page, outDir: string, name: string, box: Box): Promise<string> {
  fs.mkdirSync(outDir, { recursive: true });
  const raw = path.join(outDir, `${name}.raw.png`);
  const file = path.join(outDir, `${name}.png`);
  const clip = { x: Math.round(box.x), y: Math.round(box.y), width: Math.round(box.width), height: Math.round(box.height) };
  await page.screenshot({ path: raw, clip, animations: 'disabled' });
  quantize(raw, file);
  fs.rmSync(raw);
  const bytes = fs.statSync(file).size;
  assert.ok(bytes <= media.maxBytes, `${path.basename(file)} is ${Math.round(bytes / 1024)} KB, more than ${media.maxBytes / 1024} KB`);
  if (media.update) {
    fs.mkdirSync(media.dir, { recursive: true });
    fs.copyFileSync(file, path.join(media.dir, path.basename(file)));
  } else {
    assertCommittedImageIsCurrent(media, file);
  }
  return file;
}

/** Captures `box` of the page as media/readme/<name>.png (see README_MEDIA), or checks the committed one. */
export function captureReadmeImage(page: Page, name: string, box: Box): Promise<string> {
  return captureInto(README_MEDIA, page, path.join(uiEnvironment().screenshotsDir, 'readme'), name, box);
}
