// A line chart as a standalone SVG, drawn by hand: one polyline per series over shared axes.

export interface Series {
  label: string;
  color: string;
  /** [x, y] points. */
  points: Array<[number, number]>;
}

const WIDTH = 760;
const HEIGHT = 360;
const MARGIN = { left: 70, right: 20, top: 40, bottom: 50 };

/** A round step that gives about `count` ticks over [0, max]. */
function step(max: number, count: number): number {
  const raw = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude;
}

const escapeXml = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const thousands = (n: number) => Math.round(n).toLocaleString("en-US");

export function lineChart(
  title: string,
  xLabel: string,
  yLabel: string,
  series: Series[],
  shade?: { from: number; to: number; label: string },
): string {
  const all = series.flatMap((s) => s.points);
  const xMax = Math.max(1, ...all.map(([x]) => x));
  const yStep = step(Math.max(1, ...all.map(([, y]) => y)), 5);
  const yMax = yStep * Math.ceil(Math.max(1, ...all.map(([, y]) => y)) / yStep);
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const px = (x: number) => MARGIN.left + (x / xMax) * plotWidth;
  const py = (y: number) => MARGIN.top + plotHeight - (y / yMax) * plotHeight;
  const parts: string[] = [];
  parts.push(`<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`);
  parts.push(`<text x="${WIDTH / 2}" y="22" text-anchor="middle" font-size="15">${escapeXml(title)}</text>`);
  if (shade) {
    parts.push(
      `<rect x="${px(shade.from).toFixed(1)}" y="${MARGIN.top}" width="${(px(shade.to) - px(shade.from)).toFixed(1)}" height="${plotHeight}" fill="#f0f0f0"/>`,
    );
    parts.push(
      `<text x="${((px(shade.from) + px(shade.to)) / 2).toFixed(1)}" y="${MARGIN.top + 14}" text-anchor="middle" font-size="11" fill="#666">${escapeXml(shade.label)}</text>`,
    );
  }
  for (let y = 0; y <= yMax; y += yStep) {
    parts.push(`<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${py(y).toFixed(1)}" y2="${py(y).toFixed(1)}" stroke="#ddd"/>`);
    parts.push(`<text x="${MARGIN.left - 6}" y="${(py(y) + 4).toFixed(1)}" text-anchor="end" font-size="11">${thousands(y)}</text>`);
  }
  const xStep = step(xMax, 8);
  for (let x = 0; x <= xMax; x += xStep) {
    parts.push(
      `<text x="${px(x).toFixed(1)}" y="${HEIGHT - MARGIN.bottom + 16}" text-anchor="middle" font-size="11">${thousands(x)}</text>`,
    );
  }
  parts.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left}" y1="${MARGIN.top}" y2="${HEIGHT - MARGIN.bottom}" stroke="black"/>`);
  parts.push(
    `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${HEIGHT - MARGIN.bottom}" y2="${HEIGHT - MARGIN.bottom}" stroke="black"/>`,
  );
  parts.push(`<text x="${WIDTH / 2}" y="${HEIGHT - 12}" text-anchor="middle" font-size="12">${escapeXml(xLabel)}</text>`);
  parts.push(
    `<text transform="translate(16 ${MARGIN.top + plotHeight / 2}) rotate(-90)" text-anchor="middle" font-size="12">${escapeXml(yLabel)}</text>`,
  );
  series.forEach((s, i) => {
    const points = s.points.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(" ");
    parts.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${points}"/>`);
    const legendY = MARGIN.top + 30 + i * 16;
    parts.push(
      `<line x1="${WIDTH - MARGIN.right - 190}" x2="${WIDTH - MARGIN.right - 170}" y1="${legendY - 4}" y2="${legendY - 4}" stroke="${s.color}" stroke-width="2"/>`,
    );
    parts.push(`<text x="${WIDTH - MARGIN.right - 165}" y="${legendY}" font-size="11">${escapeXml(s.label)}</text>`);
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif">\n${parts.join("\n")}\n</svg>\n`;
}
