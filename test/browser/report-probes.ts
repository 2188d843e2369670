/// <reference lib="dom" />
/**
 * Functions the browser test runs inside the page (page.evaluate serialises them, so each is
 * self-contained: no imports, no helpers from outside its body).
 */

/**
 * Cells of the tables matching `selector` that are not fully on screen across (the page scrolls
 * down, never sideways, and nothing scrolls a table sideways first): every column is checked, and
 * the numeric ones are counted.
 */
export function clippedCells(selector: string): { cells: number; numericCells: number; problems: string[] } {
  const problems: string[] = [];
  let cells = 0;
  let numericCells = 0;
  const width = document.documentElement.clientWidth;
  for (const [t, table] of [...document.querySelectorAll(selector)].entries()) {
    const headers = [...table.querySelectorAll('thead th')];
    const numeric = headers.flatMap((h, i) => (h.classList.contains('n') ? [i] : []));
    if (numeric.length === 0) problems.push(`table ${t}: no numeric columns found`);
    for (const [r, row] of [...table.querySelectorAll('tbody tr')].entries()) {
      const tds = [...row.children] as HTMLElement[];
      for (const [i] of headers.entries()) {
        const td = tds[i];
        const name = `table ${t} row ${r} column '${headers[i]?.textContent ?? i}'`;
        if (!td) {
          problems.push(`${name}: missing`);
          continue;
        }
        cells += 1;
        if (numeric.includes(i)) numericCells += 1;
        const box = td.getBoundingClientRect();
        const style = getComputedStyle(td);
        if (style.display === 'none' || style.visibility !== 'visible' || Number(style.opacity) === 0)
          problems.push(`${name}: hidden (${style.display}, ${style.visibility})`);
        if (box.width < 1 || box.height < 1) problems.push(`${name}: empty box`);
        if (box.left < -0.5 || box.right > width + 0.5)
          problems.push(`${name}: outside the viewport [${box.left}, ${box.right}] of ${width}`);
        // Clipped by a scrolling or overflow-hidden ancestor?
        for (let a = td.parentElement; a && a !== document.body; a = a.parentElement) {
          const o = getComputedStyle(a);
          if (o.overflowX === 'visible' && o.overflowY === 'visible') continue;
          const outer = a.getBoundingClientRect();
          if (box.left < outer.left - 0.5 || box.right > outer.right + 0.5)
            problems.push(`${name}: clipped by <${a.tagName.toLowerCase()} class="${a.className}">`);
        }
        // Its column name is on screen with it: the header above, or the cell's own label when stacked.
        const th = headers[i] as HTMLElement | undefined;
        const headerShown = th ? th.getBoundingClientRect().width > 1 : false;
        const label = getComputedStyle(td, '::before').content;
        if (!headerShown && !(label && label !== 'none' && label.includes(th?.textContent ?? '')))
          problems.push(`${name}: no column name on screen`);
      }
    }
  }
  return { cells, numericCells, problems };
}

/** Elements whose right edge lies past the viewport (the page would scroll sideways). */
export function pageOverflow(): string[] {
  const width = document.documentElement.clientWidth;
  const out: string[] = [];
  if (document.documentElement.scrollWidth > width + 1)
    out.push(`page is ${document.documentElement.scrollWidth} px wide in a ${width} px viewport`);
  return out;
}

export type GateChartFacts = {
  title: string;
  yMax: number;
  topTick: number;
  plotTop: number;
  thresholdTop: number;
  inViewport: boolean;
  decisionAt: number | null;
  markVisible: boolean;
  markLabel: string;
  evidence: string;
  evidenceOutcome: string;
  crossing: { visible: boolean; fromRightEdge: number } | null;
};

/** What each gate chart shows, read from the rendered page (geometry from the layout, not the markup). */
export function gateChartFacts(): GateChartFacts[] {
  const width = document.documentElement.clientWidth;
  const shown = (el: Element | null): boolean => {
    if (!el) return false;
    const b = el.getBoundingClientRect();
    return b.width > 0 && b.height > 0 && b.left >= -0.5 && b.right <= width + 0.5;
  };
  return [...document.querySelectorAll('svg.chart.gate')].map((svg) => {
    const figure = svg.closest('figure');
    const ticks = [...svg.querySelectorAll('text.y-tick')];
    const grid = [...svg.querySelectorAll('line.grid')].map((l) => l.getBoundingClientRect().top);
    const mark = svg.querySelector('.decision-mark');
    const crossing = svg.querySelector('circle.crossing');
    const box = svg.getBoundingClientRect();
    const evidence = figure?.querySelector('p.evidence');
    return {
      title: svg.querySelector('title')?.textContent ?? '',
      yMax: Number(svg.getAttribute('data-y-max')),
      topTick: Math.max(...ticks.map((t) => Number.parseFloat(t.textContent ?? 'NaN'))),
      plotTop: Math.min(...grid),
      thresholdTop: svg.querySelector('polyline.threshold')?.getBoundingClientRect().top ?? Number.NaN,
      inViewport: shown(svg),
      decisionAt: svg.hasAttribute('data-decision-at') ? Number(svg.getAttribute('data-decision-at')) : null,
      markVisible: shown(mark) && shown(mark?.querySelector('text') ?? null),
      markLabel: mark?.querySelector('text')?.textContent ?? '',
      evidence: evidence?.textContent ?? '',
      evidenceOutcome: evidence?.getAttribute('data-outcome') ?? '',
      crossing: crossing
        ? { visible: shown(crossing), fromRightEdge: box.right - crossing.getBoundingClientRect().right }
        : null,
    };
  });
}

export type HealthChartFacts = {
  label: string;
  inViewport: boolean;
  bars: {
    stage: string;
    kind: string;
    total: number;
    totalText: string;
    segments: { kind: string; count: number; left: number; right: number; fill: string }[];
    /** The counts written on segments: the text, and whether it lies inside the segment before it. */
    labels: { text: string; inside: boolean }[];
  }[];
  legend: { kind: string; colour: string; visible: boolean }[];
  why: string[];
};

/** What each health and rollback chart draws, from the layout and computed styles of the page. */
export function healthChartFacts(): HealthChartFacts[] {
  const width = document.documentElement.clientWidth;
  const shown = (el: Element | null): boolean => {
    if (!el) return false;
    const b = el.getBoundingClientRect();
    return b.width > 0 && b.height > 0 && b.left >= -0.5 && b.right <= width + 0.5;
  };
  return [...document.querySelectorAll('svg.chart.health')].map((svg) => {
    const figure = svg.closest('figure');
    return {
      label: svg.getAttribute('aria-label') ?? '',
      inViewport: shown(svg),
      bars: [...svg.querySelectorAll('g.health-bar')].map((g) => ({
        stage: g.getAttribute('data-stage') ?? '',
        kind: g.getAttribute('data-kind') ?? '',
        total: Number(g.getAttribute('data-total')),
        totalText: g.querySelector('text.tick')?.textContent ?? '',
        segments: [...g.querySelectorAll('rect.seg')].map((rect) => {
          const box = rect.getBoundingClientRect();
          return {
            kind: [...rect.classList].find((c) => c !== 'seg') ?? '',
            count: Number(rect.getAttribute('data-count')),
            left: box.left,
            right: box.right,
            fill: getComputedStyle(rect).fill,
          };
        }),
        labels: [...g.querySelectorAll('text.seg-label')].map((text) => {
          const t = text.getBoundingClientRect();
          const r = text.previousElementSibling?.getBoundingClientRect();
          const inside =
            r !== undefined &&
            t.width > 0 &&
            t.left >= r.left - 0.5 &&
            t.right <= r.right + 0.5 &&
            t.top >= r.top - 2 &&
            t.bottom <= r.bottom + 2;
          return { text: text.textContent ?? '', inside };
        }),
      })),
      legend: [...(figure?.querySelectorAll('.legend .key.seg') ?? [])].map((key) => ({
        kind: [...key.classList].find((c) => c !== 'key' && c !== 'seg') ?? '',
        colour: getComputedStyle(key).backgroundColor,
        visible: shown(key),
      })),
      why: [...(figure?.querySelectorAll('ul.why li') ?? [])].map((li) => li.textContent ?? ''),
    };
  });
}
