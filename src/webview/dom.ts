/** Small DOM helpers: everything is built with createElement and textContent, never from HTML strings. */

export type Child = Node | string | null | undefined | false;

export type Attributes = Record<string, string | boolean | number | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Attributes = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  setAttributes(element, attributes);
  append(element, children);
  return element;
}

function setAttributes(element: Element, attributes: Attributes): void {
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) {
      continue;
    }
    element.setAttribute(name, value === true ? '' : String(value));
  }
}

function append(parent: Node, children: readonly Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) {
      continue;
    }
    parent.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  }
}

const SVG_NAMESPACE = 'http://www.w3.org/2000/svg';

/** 16×16 line icons drawn with the current text colour. */
const ICON_PATHS = {
  open: ['M9.5 2.5h4v4', 'M13.5 2.5l-5 5', 'M6.5 13.5h-4v-4', 'M2.5 13.5l5-5'],
  save: ['M8 2v8', 'M4.5 6.5L8 10l3.5-3.5', 'M2.5 13.5h11'],
  copy: ['M6 5.5h6.5a1 1 0 0 1 1 1V13a1 1 0 0 1-1 1H6a1 1 0 0 1-1-1V6.5a1 1 0 0 1 1-1z', 'M11 5.5V3a1 1 0 0 0-1-1H3.5a1 1 0 0 0-1 1v6.5a1 1 0 0 0 1 1H5'],
  rerun: ['M13.5 8A5.5 5.5 0 1 1 11.9 4.1', 'M12.5 1.5v3h-3'],
  parameters: ['M6 2.5H5.2A1.7 1.7 0 0 0 3.5 4.2v2.1L2.5 8l1 1.7v2.1a1.7 1.7 0 0 0 1.7 1.7H6', 'M10 2.5h.8a1.7 1.7 0 0 1 1.7 1.7v2.1l1 1.7-1 1.7v2.1a1.7 1.7 0 0 1-1.7 1.7H10'],
  code: ['M5.5 4.5L2 8l3.5 3.5', 'M10.5 4.5L14 8l-3.5 3.5', 'M9 3l-2 10'],
  play: ['M5 3l8 5-8 5z'],
  export: ['M2.5 3.5h11v9h-11z', 'M2.5 6h11', 'M2.5 10h11', 'M5.5 3.5v9', 'M10.5 3.5v9'],
  markdown: ['M1.5 4.5h13v7h-13z', 'M3.5 9.5v-3l1.5 1.5 1.5-1.5v3', 'M10.5 6v3.5', 'M9 8l1.5 1.5L12 8'],
  pause: ['M5 3v10', 'M11 3v10'],
  restart: ['M3.5 3v10', 'M13 3.5L6.5 8l6.5 4.5z'],
  back: ['M7 3L2 8l5 5', 'M2 8h12'],
  info: ['M8 14.5a6.5 6.5 0 1 0 0-13 6.5 6.5 0 0 0 0 13z', 'M8 7v4.5', 'M8 4.5v.5'],
  error: ['M8 14.5a6.5 6.5 0 1 0 0-13 6.5 6.5 0 0 0 0 13z', 'M5.75 5.75l4.5 4.5', 'M10.25 5.75l-4.5 4.5'],
} as const;

export type IconName = keyof typeof ICON_PATHS;

export function icon(name: IconName): SVGSVGElement {
  const svg = document.createElementNS(SVG_NAMESPACE, 'svg');
  setAttributes(svg, { class: `icon icon-${name}`, viewBox: '0 0 16 16', width: 16, height: 16, 'aria-hidden': 'true', focusable: 'false' });
  for (const d of ICON_PATHS[name]) {
    const path = document.createElementNS(SVG_NAMESPACE, 'path');
    path.setAttribute('d', d);
    svg.appendChild(path);
  }
  return svg;
}

export interface ButtonOptions {
  readonly label: string;
  readonly icon?: IconName;
  /** primary: the main action; secondary: the others; icon: a compact icon-only button (label becomes its name and tooltip). */
  readonly variant: 'primary' | 'secondary' | 'icon' | 'link';
  readonly disabled?: boolean;
  readonly tooltip?: string;
  readonly onClick: () => void;
}

export function button(options: ButtonOptions): HTMLButtonElement {
  const iconOnly = options.variant === 'icon';
  const element = h(
    'button',
    {
      type: 'button',
      class: `button button-${options.variant}`,
      title: options.tooltip ?? (iconOnly ? options.label : undefined),
      'aria-label': iconOnly ? options.label : undefined,
      disabled: options.disabled,
    },
    options.icon ? icon(options.icon) : null,
    iconOnly ? null : h('span', { class: 'button-label' }, options.label),
  );
  element.addEventListener('click', options.onClick);
  return element;
}
