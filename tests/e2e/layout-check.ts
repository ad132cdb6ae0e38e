import type { Page } from 'playwright-core'

export interface Overflow {
  scrollWidth: number
  innerWidth: number
  /** Elements whose right edge passes the viewport and that no scrolling box of their own clips. */
  offenders: string[]
}

/**
 * Whether anything sticks out of the viewport horizontally: the page's scroll width against the
 * window's width, and every element's right edge against the viewport's. An element inside a box that
 * scrolls or clips (a code block, the schema's virtual list) counts only if that box itself sticks out.
 */
export function horizontalOverflow(page: Page): Promise<Overflow> {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth
    const clippedInside = (el: Element): boolean => {
      for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
        const s = getComputedStyle(a)
        if (s.overflowX !== 'visible' || s.clipPath !== 'none')
          return a.getBoundingClientRect().right <= width + 1
      }
      return false
    }
    const name = (el: Element) =>
      `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.classList.length ? `.${[...el.classList].join('.')}` : ''}`
    const offenders: string[] = []
    for (const el of document.querySelectorAll('body *')) {
      const r = el.getBoundingClientRect()
      if (r.width === 0 || r.height === 0 || r.right <= width + 1) continue
      if (getComputedStyle(el).clipPath !== 'none' || clippedInside(el)) continue
      offenders.push(`${name(el)} right=${Math.round(r.right)} > ${width}`)
    }
    return {
      scrollWidth: document.documentElement.scrollWidth,
      innerWidth: window.innerWidth,
      offenders: offenders.slice(0, 12),
    }
  })
}
