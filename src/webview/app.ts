import type { GenerationView, GridItem, PanelStrings, ToWebviewMessage, WebviewMessage, WebviewState } from '../shared/protocol';
import { button, h, icon, type Child } from './dom';
import { fillTemplate, formatFrames, formatMilliseconds, formatNumber, formatSeconds, formatSeed, formatSize } from './format';
import { createPlayer, type Player } from './player';

/** What the panel's script needs from VS Code's webview API. */
export interface WebviewHost {
  post(message: WebviewMessage): void;
  setState(state: WebviewState): void;
}

type Mode = 'generation' | 'grid' | 'notice';

/** Where the keyboard focus goes after the next render, when the user navigated inside the panel. */
type PendingFocus = { readonly kind: 'back' } | { readonly kind: 'tile'; readonly id: string } | undefined;

interface GridElements {
  readonly title: HTMLHeadingElement;
  readonly summary: HTMLElement;
  readonly banner: HTMLElement;
  readonly compareButtons: readonly HTMLButtonElement[];
  readonly list: HTMLUListElement;
  readonly empty: HTMLElement;
}

/** Renders what the host sends: one generation, a batch grid, or a notice. */
export class PanelApp {
  private mode: Mode | undefined;
  private grid: GridElements | undefined;
  /** Finished tiles by generation id and source, kept across grid updates so their videos keep playing. */
  private tiles = new Map<string, HTMLLIElement>();
  private pendingFocus: PendingFocus;

  constructor(
    private readonly root: HTMLElement,
    private readonly host: WebviewHost,
    private readonly strings: PanelStrings,
    private readonly locale: string,
  ) {}

  show(message: Exclude<ToWebviewMessage, { type: 'encode' }>): void {
    switch (message.type) {
      case 'showGeneration':
        this.showGeneration(message.generation, message.canReturnToGrid ?? false);
        this.host.setState({ generationId: message.generation.id });
        break;
      case 'showGrid':
        this.showGrid(message.title, message.items);
        this.host.setState({
          generationId: null,
          grid: { title: message.title, generationIds: message.items.flatMap((item) => (item.state === 'done' ? [item.view.id] : [])) },
        });
        break;
      case 'notice':
        this.showNotice(message.text);
        this.host.setState({ generationId: null });
        break;
    }
  }

  private switchTo(mode: Mode, view: HTMLElement): void {
    this.mode = mode;
    this.grid = undefined;
    this.tiles.clear();
    this.root.replaceChildren(view);
  }

  private showNotice(text: string): void {
    this.switchTo('notice', h('div', { class: 'view view-notice', role: 'status' }, icon('info'), h('p', {}, text)));
  }

  // --- one generation -------------------------------------------------------------------------------------

  private showGeneration(view: GenerationView, canReturnToGrid: boolean): void {
    const s = this.strings;
    const back = canReturnToGrid
      ? button({
          variant: 'link',
          icon: 'back',
          label: s.backToGrid,
          onClick: () => {
            this.pendingFocus = { kind: 'tile', id: view.id };
            this.host.post({ type: 'backToGrid' });
          },
        })
      : null;
    const player = createPlayer(view, this.playerContext(), 'single');
    const details = h('section', { class: 'details', 'aria-label': s.details }, this.generationActions(view, 'full'), this.metadataList(view));
    this.switchTo(
      'generation',
      h(
        'div',
        { class: 'view view-generation' },
        back ? h('nav', { class: 'breadcrumb' }, back) : null,
        view.sandboxNote ? this.sandboxBanner(view.sandboxNote) : null,
        h('header', { class: 'page-header' }, h('p', { class: 'eyebrow' }, s.prompt), h('h1', { class: 'prompt' }, view.prompt)),
        h('div', { class: 'generation-layout' }, player.element, details),
      ),
    );
    if (back && this.pendingFocus?.kind === 'back') {
      back.focus();
    }
    this.pendingFocus = undefined;
  }

  private sandboxBanner(note: string): HTMLElement {
    return h(
      'div',
      { class: 'banner banner-sandbox', role: 'note' },
      icon('info'),
      h('p', {}, note),
    );
  }

  private generationActions(view: GenerationView, style: 'full' | 'compact'): HTMLElement {
    const s = this.strings;
    const post = (type: 'saveVideo' | 'copySeed' | 'rerunWithSeed' | 'saveParameters' | 'copyAsCode' | 'exportVideo' | 'insertMarkdown') => () => this.host.post({ type, id: view.id });
    const variant = (primary: boolean) => (style === 'compact' ? 'icon' : primary ? 'primary' : 'secondary');
    const seedMissing = view.seed === null ? `${s.seed}: ${s.notReported}` : undefined;
    return h(
      'div',
      { class: `actions actions-${style}`, role: 'group', 'aria-label': s.actions },
      style === 'compact'
        ? button({
            variant: 'icon',
            icon: 'open',
            label: s.open,
            onClick: () => {
              this.pendingFocus = { kind: 'back' };
              this.host.post({ type: 'openGeneration', id: view.id });
            },
          })
        : null,
      button({ variant: variant(true), icon: 'save', label: s.saveVideo, onClick: post('saveVideo') }),
      button({ variant: variant(false), icon: 'copy', label: s.copySeed, disabled: view.seed === null, tooltip: seedMissing, onClick: post('copySeed') }),
      button({ variant: variant(false), icon: 'rerun', label: s.rerunWithSeed, onClick: post('rerunWithSeed') }),
      button({ variant: variant(false), icon: 'parameters', label: s.saveParameters, onClick: post('saveParameters') }),
      button({ variant: variant(false), icon: 'code', label: s.copyAsCode, onClick: post('copyAsCode') }),
      button({ variant: variant(false), icon: 'export', label: s.exportVideo, onClick: post('exportVideo') }),
      button({ variant: variant(false), icon: 'markdown', label: s.insertMarkdown, onClick: post('insertMarkdown') }),
    );
  }

  private metadataList(view: GenerationView): HTMLElement {
    const s = this.strings;
    const missing = () => h('span', { class: 'muted' }, s.notReported);
    const value = (shown: string | null): Child => shown ?? missing();
    const rows: Array<[label: string, value: Child, wide?: boolean]> = [
      [s.seed, view.seed === null ? missing() : h('span', { class: 'mono' }, formatSeed(view.seed))],
      [s.size, formatSize(view.size, this.locale, s)],
      [s.frames, value(view.frames === null ? null : formatFrames(view.frames, view.fps, this.locale, s))],
      [s.fps, value(view.fps === null ? null : fillTemplate(s.fpsValue, formatNumber(view.fps, this.locale)))],
      [s.steps, value(view.steps === null ? null : formatNumber(view.steps, this.locale, 0))],
      [s.guidance, value(view.guidance === null ? null : formatNumber(view.guidance, this.locale))],
      [s.totalTime, value(view.totalMs === null ? null : formatMilliseconds(view.totalMs, this.locale, s))],
      [s.inferenceTime, value(view.inferenceSeconds === null ? null : formatSeconds(view.inferenceSeconds, this.locale, s))],
      // Only generations whose charge was recorded have the row (those from before it was have nothing to say).
      ...(typeof view.charge === 'string' ? [[s.price, view.charge] as [string, Child]] : []),
      [s.negativePrompt, view.negativePrompt ? view.negativePrompt : missing(), true],
      [s.endpoint, h('code', {}, view.endpoint), true],
    ];
    return h(
      'dl',
      { class: 'meta' },
      ...rows.map(([label, shown, wide]) => h('div', { class: wide ? 'meta-row meta-row-wide' : 'meta-row' }, h('dt', {}, label), h('dd', {}, shown))),
    );
  }

  // --- batch grid -------------------------------------------------------------------------------------------

  private showGrid(title: string, items: readonly GridItem[]): void {
    const grid = this.mode === 'grid' && this.grid ? this.grid : this.createGrid();
    const s = this.strings;
    grid.title.textContent = title;

    const failed = items.filter((item) => item.state === 'failed').length;
    const running = items.filter((item) => item.state === 'running').length;
    const done = items.filter((item): item is Extract<GridItem, { state: 'done' }> => item.state === 'done');
    grid.summary.textContent = [
      fillTemplate(s.gridCount, formatNumber(items.length, this.locale, 0)),
      failed > 0 ? fillTemplate(s.gridFailedCount, formatNumber(failed, this.locale, 0)) : null,
      running > 0 ? fillTemplate(s.gridRunningCount, formatNumber(running, this.locale, 0)) : null,
    ].filter((part) => part !== null).join(' · ');

    const sandboxNote = done.find((item) => item.view.sandboxNote !== null)?.view.sandboxNote ?? null;
    grid.banner.replaceChildren(...(sandboxNote ? [this.sandboxBanner(sandboxNote)] : []));
    grid.compareButtons.forEach((control) => (control.disabled = done.length === 0));

    // Tiles share one shape: the videos' aspect ratio when they all agree, else square.
    const ratios = new Set(done.map((item) => item.view.size.width / item.view.size.height));
    const shape = ratios.size === 1 ? done[0].view.size : { width: 1, height: 1 };
    grid.list.style.setProperty('--tile-aspect', `${shape.width} / ${shape.height}`);

    const tiles = new Map<string, HTMLLIElement>();
    const elements = items.map((item) => {
      if (item.state !== 'done') {
        return item.state === 'failed' ? this.failedTile(item.label, item.reason) : this.runningTile(item.label, item.detail);
      }
      const key = `${item.view.id}\n${item.view.videoSrc}`;
      const tile = this.tiles.get(key) ?? this.doneTile(item.view);
      tiles.set(key, tile);
      this.showDifferences(tile, item.view, done.map((other) => other.view));
      return tile;
    });
    this.tiles = tiles;
    grid.list.replaceChildren(...elements);
    grid.list.hidden = items.length === 0;
    grid.empty.hidden = items.length > 0;

    const focus = this.pendingFocus;
    this.pendingFocus = undefined;
    if (focus?.kind === 'tile') {
      grid.list.querySelector<HTMLButtonElement>(`li[data-generation-id="${CSS.escape(focus.id)}"] .actions button`)?.focus();
    }
  }

  private createGrid(): GridElements {
    const s = this.strings;
    const title = h('h1', { class: 'grid-title' });
    const summary = h('p', { class: 'grid-summary', role: 'status' });
    const banner = h('div', { class: 'grid-banner' });
    const compareButtons = [
      button({ variant: 'secondary', icon: 'play', label: s.playAll, onClick: () => this.playAll() }),
      button({ variant: 'secondary', icon: 'pause', label: s.pauseAll, onClick: () => this.pauseAll() }),
      button({ variant: 'secondary', icon: 'restart', label: s.restartAll, onClick: () => void this.restartAll() }),
    ];
    const list = h('ul', { class: 'grid' });
    this.followSeeks(list);
    const empty = h('p', { class: 'muted grid-empty', hidden: true }, s.gridEmpty);
    const view = h(
      'div',
      { class: 'view view-grid' },
      banner,
      h(
        'header',
        { class: 'page-header grid-header' },
        h('div', { class: 'grid-heading' }, title, summary),
        h('div', { class: 'actions compare', role: 'group', 'aria-label': s.compareControls }, ...compareButtons),
      ),
      list,
      empty,
    );
    this.switchTo('grid', view);
    this.grid = { title, summary, banner, compareButtons, list, empty };
    return this.grid;
  }

  private doneTile(view: GenerationView): HTMLLIElement {
    const s = this.strings;
    const player: Player = createPlayer(view, this.playerContext(), 'tile');
    const heading = view.seed === null ? s.notReported : fillTemplate(s.seedLabel, formatSeed(view.seed));
    const facts = [
      `${formatNumber(view.size.width, this.locale, 0)} × ${formatNumber(view.size.height, this.locale, 0)}`,
      view.inferenceSeconds === null ? null : fillTemplate(s.inferenceValue, formatSeconds(view.inferenceSeconds, this.locale, s)),
    ].filter((fact) => fact !== null);
    return h(
      'li',
      { class: 'tile tile-done', 'data-generation-id': view.id },
      h('div', { class: 'tile-media' }, player.element),
      h(
        'div',
        { class: 'tile-body' },
        h('div', { class: 'tile-heading' }, h('span', { class: 'tile-title' }, heading), h('span', { class: 'tile-facts' }, facts.join(' · '))),
        h('p', { class: 'tile-text', title: view.prompt }, view.prompt),
        this.generationActions(view, 'compact'),
      ),
    );
  }

  private failedTile(label: string, reason: string): HTMLLIElement {
    return h(
      'li',
      { class: 'tile tile-failed' },
      h('div', { class: 'tile-media tile-placeholder' }, icon('error'), h('span', {}, this.strings.failed)),
      h('div', { class: 'tile-body' }, h('div', { class: 'tile-heading' }, h('span', { class: 'tile-title' }, label)), h('p', { class: 'tile-text tile-reason' }, reason)),
    );
  }

  private runningTile(label: string, detail: string): HTMLLIElement {
    return h(
      'li',
      { class: 'tile tile-running', 'aria-busy': 'true' },
      h('div', { class: 'tile-media tile-placeholder' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), h('span', {}, this.strings.running)),
      h('div', { class: 'tile-body' }, h('div', { class: 'tile-heading' }, h('span', { class: 'tile-title' }, label)), h('p', { class: 'tile-text muted' }, detail)),
    );
  }

  /** What sets this tile's video apart from the grid's others (the seed is its heading), each value marked. */
  private showDifferences(tile: HTMLLIElement, view: GenerationView, all: readonly GenerationView[]): void {
    const s = this.strings;
    const facts: Array<[string, (view: GenerationView) => string]> = [
      [s.steps, (v) => (v.steps === null ? s.notReported : formatNumber(v.steps, this.locale, 0))],
      [s.guidance, (v) => (v.guidance === null ? s.notReported : formatNumber(v.guidance, this.locale))],
      [s.frames, (v) => (v.frames === null ? s.notReported : formatNumber(v.frames, this.locale, 0))],
      [s.fps, (v) => (v.fps === null ? s.notReported : fillTemplate(s.fpsValue, formatNumber(v.fps, this.locale)))],
      [s.size, (v) => `${formatNumber(v.size.width, this.locale, 0)} × ${formatNumber(v.size.height, this.locale, 0)}`],
      [s.negativePrompt, (v) => v.negativePrompt],
      [s.endpoint, (v) => v.endpoint],
    ];
    const differing = all.length < 2 ? [] : facts.filter(([, valueOf]) => new Set(all.map(valueOf)).size > 1);
    const promptDiffers = all.length > 1 && new Set(all.map((other) => other.prompt)).size > 1;
    tile.querySelector('.tile-text')?.classList.toggle('differs', promptDiffers);
    tile.querySelector('.tile-diff')?.remove();
    if (differing.length > 0) {
      const list = h('ul', { class: 'tile-diff', 'aria-label': s.differences },
        ...differing.map(([label, valueOf]) => h('li', {}, `${label}: `, h('mark', {}, valueOf(view)))));
      tile.querySelector('.tile-text')?.after(list);
    }
  }

  /** A seek the user makes on one video of the grid (or its loop back to the start) moves the others there too. */
  private followSeeks(list: HTMLElement): void {
    const moved = new WeakSet<HTMLVideoElement>();
    list.addEventListener('seeked', (event) => {
      const source = event.target;
      if (!(source instanceof HTMLVideoElement)) {
        return;
      }
      if (moved.has(source)) {
        moved.delete(source);
        return;
      }
      for (const video of this.gridVideos()) {
        if (video !== source && Math.abs(video.currentTime - source.currentTime) > 0.05) {
          moved.add(video);
          video.currentTime = source.currentTime;
        }
      }
    }, true);
  }

  private gridVideos(): HTMLVideoElement[] {
    return this.grid ? [...this.grid.list.querySelectorAll('video')].filter((video) => !video.hidden && video.error === null) : [];
  }

  private playAll(): void {
    for (const video of this.gridVideos()) {
      void video.play().catch(() => undefined);
    }
  }

  private pauseAll(): void {
    for (const video of this.gridVideos()) {
      video.pause();
    }
  }

  /** Pauses every video, seeks all to the start, and starts them together once every one is ready there. */
  private async restartAll(): Promise<void> {
    const videos = this.gridVideos();
    videos.forEach((video) => video.pause());
    await Promise.all(videos.map(seekToStart));
    for (const video of videos) {
      void video.play().catch(() => undefined);
    }
  }

  private playerContext() {
    return { strings: this.strings, post: (message: WebviewMessage) => this.host.post(message) };
  }
}

function seekToStart(video: HTMLVideoElement): Promise<void> {
  return new Promise((resolve) => {
    const HAVE_CURRENT_DATA = 2;
    if (video.currentTime === 0 && video.readyState >= HAVE_CURRENT_DATA) {
      resolve();
      return;
    }
    const done = () => {
      video.removeEventListener('seeked', done);
      video.removeEventListener('error', done);
      resolve();
    };
    video.addEventListener('seeked', done);
    video.addEventListener('error', done);
    video.currentTime = 0;
  });
}
