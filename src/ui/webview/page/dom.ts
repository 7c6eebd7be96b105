// The few DOM helpers the page scripts share. Text goes in through textContent only: it comes from images.

export function el(tag: string, cls?: string, text?: string): HTMLElement {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

export function byId<T extends HTMLElement>(id: string): T {
  return document.getElementById(id) as T;
}
