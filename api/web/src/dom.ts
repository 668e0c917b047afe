/**
 * A tiny typed `h()` for building DOM: the views are forms, lists and cards that are
 * rebuilt when their data changes, so a virtual DOM or a framework would add weight (and
 * a JSX setting the root tsconfig does not have) without removing any code.
 */

type Child = Node | string | number | null | undefined | false | readonly Child[];
type Props<K extends keyof HTMLElementTagNameMap> = Partial<
  Omit<HTMLElementTagNameMap[K], 'style' | 'dataset'>
> & {
  style?: Partial<CSSStyleDeclaration>;
  dataset?: Record<string, string>;
  attrs?: Record<string, string | number | boolean | undefined>;
};

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props?: Props<K> | null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props) {
    const { style, dataset, attrs, ...rest } = props;
    Object.assign(el, rest);
    if (style) Object.assign(el.style, style);
    if (dataset) Object.assign(el.dataset, dataset);
    if (attrs) {
      for (const [k, v] of Object.entries(attrs)) {
        if (v === undefined || v === false) continue;
        el.setAttribute(k, v === true ? '' : String(v));
      }
    }
  }
  append(el, children);
  return el;
}

export function append(el: Node, children: readonly Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else
      el.appendChild(
        typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : (c as Node),
      );
  }
}

/** Replaces the children of `el`. */
export function fill(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** An SVG element with attributes. */
export function s(
  tag: string,
  attrs: Record<string, string | number> = {},
  ...children: Child[]
): SVGElement {
  const el = document.createElementNS(SVG_NS, tag) as SVGElement;
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  append(el, children);
  return el;
}

/** A labelled form field: the label wraps nothing, it points at the control by id. */
let nextId = 0;
export function field(label: string, control: HTMLElement, hint?: string): HTMLElement {
  const id = control.id || `f${++nextId}`;
  control.id = id;
  return h(
    'div',
    { className: 'field' },
    h('label', { htmlFor: id }, label),
    control,
    hint ? h('small', { className: 'hint' }, hint) : null,
  );
}

export function select(options: readonly (readonly [string, string])[], value = ''): HTMLSelectElement {
  const el = h('select', null, ...options.map(([v, label]) => h('option', { value: v }, label)));
  el.value = value;
  return el;
}

/**
 * A local date-time field in the dashboard's one format, `YYYY-MM-DD HH:mm` (format.ts): a native
 * datetime-local input shows the browser's locale format instead (e.g. `12/05/2026, 11:44 PM`).
 */
export function timeInput(value: string): HTMLInputElement {
  return h('input', {
    type: 'text',
    required: true,
    value,
    spellcheck: false,
    autocomplete: 'off',
    placeholder: 'YYYY-MM-DD HH:mm',
    attrs: { pattern: '\\d{4}-\\d{2}-\\d{2}[ T]\\d{2}:\\d{2}(:\\d{2})?', size: 16 },
  });
}
