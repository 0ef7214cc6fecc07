import { crc32, deflateSync } from 'node:zlib';

// A line chart as a PNG, with no dependencies: the soak benchmark plots memory over an hour into docs/.
// Everything is drawn into an RGB buffer (a bitmap font for the text, Bresenham for the lines) and
// encoded by hand; node:zlib supplies the deflate and the CRC that PNG needs.

export interface Series {
  name: string;
  points: [x: number, y: number][];
  color: [r: number, g: number, b: number];
}

export interface Chart {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  width?: number;
  height?: number;
}

type Rgb = readonly [number, number, number];

interface Canvas {
  width: number;
  height: number;
  rgb: Uint8Array;
}

interface Scale {
  min: number;
  max: number;
  ticks: number[];
  labels: string[];
}

/** The plot area in pixels: `left`, `bottom` are the axes; `top`, `right` the ends of the scales. */
interface Box {
  left: number;
  right: number;
  top: number;
  bottom: number;
}

const INK: Rgb = [0, 0, 0];
const GRID: Rgb = [225, 225, 225];

// 5×7 glyphs for printable ASCII: seven rows, top first, each a hex number whose low five bits are the
// row's pixels (0x10 the leftmost), and an eighth row below the baseline for the descenders of g, j, p,
// q, y and the comma's tail, without which g reads as 9. The shapes follow the HD44780 LCD character ROM.
const FONT: Record<string, string> = {
  ' ': '00 00 00 00 00 00 00',
  '!': '04 04 04 04 00 00 04',
  '"': '0a 0a 0a 00 00 00 00',
  '#': '0a 0a 1f 0a 1f 0a 0a',
  $: '04 0f 14 0e 05 1e 04',
  '%': '18 19 02 04 08 13 03',
  '&': '0c 12 14 08 15 12 0d',
  "'": '0c 04 08 00 00 00 00',
  '(': '02 04 08 08 08 04 02',
  ')': '08 04 02 02 02 04 08',
  '*': '00 04 15 0e 15 04 00',
  '+': '00 04 04 1f 04 04 00',
  ',': '00 00 00 00 00 0c 04 08',
  '-': '00 00 00 1f 00 00 00',
  '.': '00 00 00 00 00 0c 0c',
  '/': '00 01 02 04 08 10 00',
  0: '0e 11 13 15 19 11 0e',
  1: '04 0c 04 04 04 04 0e',
  2: '0e 11 01 02 04 08 1f',
  3: '1f 02 04 02 01 11 0e',
  4: '02 06 0a 12 1f 02 02',
  5: '1f 10 1e 01 01 11 0e',
  6: '06 08 10 1e 11 11 0e',
  7: '1f 01 02 04 08 08 08',
  8: '0e 11 11 0e 11 11 0e',
  9: '0e 11 11 0f 01 02 0c',
  ':': '00 0c 0c 00 0c 0c 00',
  ';': '00 00 0c 0c 00 0c 04 08',
  '<': '02 04 08 10 08 04 02',
  '=': '00 00 1f 00 1f 00 00',
  '>': '08 04 02 01 02 04 08',
  '?': '0e 11 01 02 04 00 04',
  '@': '0e 11 01 0d 15 15 0e',
  A: '0e 11 11 11 1f 11 11',
  B: '1e 11 11 1e 11 11 1e',
  C: '0e 11 10 10 10 11 0e',
  D: '1c 12 11 11 11 12 1c',
  E: '1f 10 10 1e 10 10 1f',
  F: '1f 10 10 1e 10 10 10',
  G: '0e 11 10 17 11 11 0f',
  H: '11 11 11 1f 11 11 11',
  I: '0e 04 04 04 04 04 0e',
  J: '07 02 02 02 02 12 0c',
  K: '11 12 14 18 14 12 11',
  L: '10 10 10 10 10 10 1f',
  M: '11 1b 15 15 11 11 11',
  N: '11 11 19 15 13 11 11',
  O: '0e 11 11 11 11 11 0e',
  P: '1e 11 11 1e 10 10 10',
  Q: '0e 11 11 11 15 12 0d',
  R: '1e 11 11 1e 14 12 11',
  S: '0f 10 10 0e 01 01 1e',
  T: '1f 04 04 04 04 04 04',
  U: '11 11 11 11 11 11 0e',
  V: '11 11 11 11 11 0a 04',
  W: '11 11 11 15 15 15 0a',
  X: '11 11 0a 04 0a 11 11',
  Y: '11 11 11 0a 04 04 04',
  Z: '1f 01 02 04 08 10 1f',
  '[': '0e 08 08 08 08 08 0e',
  '\\': '00 10 08 04 02 01 00',
  ']': '0e 02 02 02 02 02 0e',
  '^': '04 0a 11 00 00 00 00',
  _: '00 00 00 00 00 00 1f',
  '`': '08 04 02 00 00 00 00',
  a: '00 00 0e 01 0f 11 0f',
  b: '10 10 16 19 11 11 1e',
  c: '00 00 0e 10 10 11 0e',
  d: '01 01 0d 13 11 11 0f',
  e: '00 00 0e 11 1f 10 0e',
  f: '06 09 08 1c 08 08 08',
  g: '00 00 0f 11 11 0f 01 0e',
  h: '10 10 16 19 11 11 11',
  i: '04 00 0c 04 04 04 0e',
  j: '02 00 06 02 02 02 12 0c',
  k: '10 10 12 14 18 14 12',
  l: '0c 04 04 04 04 04 0e',
  m: '00 00 1a 15 15 11 11',
  n: '00 00 16 19 11 11 11',
  o: '00 00 0e 11 11 11 0e',
  p: '00 00 1e 11 11 1e 10 10',
  q: '00 00 0f 11 11 0f 01 01',
  r: '00 00 16 19 10 10 10',
  s: '00 00 0e 10 0e 01 1e',
  t: '08 08 1c 08 08 09 06',
  u: '00 00 11 11 11 13 0d',
  v: '00 00 11 11 11 0a 04',
  w: '00 00 11 11 15 15 0a',
  x: '00 00 11 0a 04 0a 11',
  y: '00 00 11 11 11 0f 01 0e',
  z: '00 00 1f 02 04 08 1f',
  '{': '02 04 04 08 04 04 02',
  '|': '04 04 04 04 04 04 04',
  '}': '08 04 04 02 04 04 08',
  '~': '00 00 08 15 02 00 00',
};

const GLYPHS = new Map(
  Object.entries(FONT).map(([char, rows]) => [char, rows.split(' ').map((hex) => parseInt(hex, 16))]),
);
// What a character outside the font draws as, so that it shows up rather than vanishing.
const BOX = [0x1f, 0x11, 0x11, 0x11, 0x11, 0x11, 0x1f];

/** The chart as a PNG file's bytes. */
export function linePlotPng(chart: Chart): Buffer {
  const { width = 900, height = 500 } = chart;
  checkChart(chart, width, height);
  // Half-size text on a small chart, or its labels would leave no room to plot in.
  const m = metrics(width < 400 || height < 250 ? 1 : 2);
  const series = chart.series.map((one) => ({ ...one, points: one.points.filter(isFinitePoint) }));
  const points = series.flatMap((one) => one.points);
  const xs = xScale(points.map(([x]) => x));
  const ys = yScale(points.map(([, y]) => y));
  const { box, legend, legendTop } = layout(chart, width, height, xs, ys, m);

  const canvas = blank(width, height);
  drawGrid(canvas, box, xs, ys);
  for (const one of series) drawSeries(canvas, box, xs, ys, one.points, one.color);
  drawAxes(canvas, box, xs, ys, m);
  drawText(canvas, chart.title, Math.round((width - textWidth(chart.title, m.s)) / 2), m.pad, m.s);
  const xLabelLeft = Math.round((box.left + box.right - textWidth(chart.xLabel, m.s)) / 2);
  drawText(canvas, chart.xLabel, xLabelLeft, height - m.pad - m.line, m.s);
  const yLabelBottom = Math.round((box.top + box.bottom + textWidth(chart.yLabel, m.s)) / 2);
  drawTextUp(canvas, chart.yLabel, m.pad, yLabelBottom, m.s);
  drawLegend(canvas, legend, box.left, legendTop, m);
  return encodePng(width, height, canvas.rgb);
}

/** Image data as a PNG (8-bit RGB, no interlace): exported for its test. */
export function encodePng(width: number, height: number, rgb: Uint8Array): Buffer {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1)
    throw new Error(`PNG size must be whole numbers of at least 1, not ${width}×${height}`);
  if (rgb.length !== width * height * 3)
    throw new Error(`PNG data of ${width}×${height} RGB pixels must be ${width * height * 3} bytes, not ${rgb.length}`);
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // bit depth 8, colour type 2 (RGB), deflate, filter method 0, no interlace
  // Each row is prefixed by its filter type; 0 (none) keeps the encoder trivial, and deflate still
  // squeezes a chart's flat colours well.
  const rowBytes = width * 3;
  const raw = Buffer.alloc((rowBytes + 1) * height);
  for (let y = 0; y < height; y++) raw.set(rgb.subarray(y * rowBytes, (y + 1) * rowBytes), y * (rowBytes + 1) + 1);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A PNG chunk: length, type, data, and the CRC of type and data. */
function chunk(type: string, data: Buffer): Buffer {
  const typeAndData = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const out = Buffer.alloc(typeAndData.length + 8);
  out.writeUInt32BE(data.length, 0);
  typeAndData.copy(out, 4);
  out.writeUInt32BE(crc32(typeAndData), out.length - 4);
  return out;
}

/** Distances in pixels, all in proportion to `s`, the size of one font pixel. */
interface Metrics {
  s: number;
  pad: number;
  gap: number;
  tick: number;
  line: number;
  swatch: number;
  spacing: number;
}

function metrics(s: number): Metrics {
  // A line of text is 7 font rows and a descender; the swatch is a capital's height.
  return { s, pad: 8 * s, gap: 5 * s, tick: 3 * s, line: 8 * s, swatch: 7 * s, spacing: 12 * s };
}

/**
 * Where things go, top down: the title, the legend's rows, the plot, the x tick labels and the x label;
 * left to right: the y label, the y tick labels, the plot, and room for half the last x tick label.
 */
function layout(
  chart: Chart,
  width: number,
  height: number,
  xs: Scale,
  ys: Scale,
  m: Metrics,
): { box: Box; legend: LegendEntry[][]; legendTop: number } {
  const widestY = Math.max(...ys.labels.map((label) => textWidth(label, m.s)));
  const left = m.pad + (chart.yLabel === '' ? 0 : m.line + m.gap) + widestY + m.gap + m.tick;
  const right = width - m.pad - Math.ceil(textWidth(xs.labels.at(-1) ?? '', m.s) / 2);
  const legendTop = m.pad + (chart.title === '' ? 0 : m.line + 2 * m.gap);
  const legend = legendRows(chart.series, right - left, m);
  // Half a line of room above the plot for the top y tick label, which is centred on its tick.
  const top = legendTop + legend.length * (m.line + m.gap) + m.gap + Math.ceil(m.line / 2);
  const bottom = height - m.pad - (chart.xLabel === '' ? 0 : m.line + m.gap) - m.line - m.gap - m.tick;
  if (right - left < 10 || bottom - top < 10)
    throw new Error(`a ${width}×${height} chart is too small for its title, legend and labels: make it larger`);
  return { box: { left, right, top, bottom }, legend, legendTop };
}

function checkChart(chart: Chart, width: number, height: number): void {
  for (const [name, value] of [
    ['width', width],
    ['height', height],
  ] as const) {
    if (!Number.isInteger(value) || value < 100)
      throw new Error(`chart ${name} must be a whole number of pixels, at least 100, not ${value}`);
  }
  if (chart.series.length === 0) throw new Error(`chart "${chart.title}" has no series: give it at least one`);
  for (const { name, color } of chart.series) {
    if (color.length !== 3 || !color.every((c) => Number.isInteger(c) && c >= 0 && c <= 255))
      throw new Error(`series "${name}" color must be three whole numbers from 0 to 255, not [${color.join(', ')}]`);
  }
}

function isFinitePoint([x, y]: [number, number]): boolean {
  return Number.isFinite(x) && Number.isFinite(y);
}

// Below this a span counts as none: 10^k of a smaller one's tick step underflows to 0.
const NO_SPAN = 1e-300;

/** The x scale: the data's range rounded out to ticks, or a range around one x, so that it sits mid-axis. */
function xScale(values: number[]): Scale {
  if (values.length === 0) return niceScale(0, 1);
  const [lo, hi] = extent(values);
  // Values equal but for rounding noise are one value too: a scale of noise would have useless ticks.
  if (hi - lo <= Math.max(Math.abs(lo), Math.abs(hi)) * 1e-9 || hi - lo < NO_SPAN) {
    const pad = Math.max(1, Math.abs(lo) / 10);
    return niceScale(lo - pad, hi + pad);
  }
  return niceScale(lo, hi);
}

/** The y scale: from 0 (or a negative minimum) up to a round number at or above the data. */
function yScale(values: number[]): Scale {
  const [lo, hi] = extent([0, ...values]);
  // All zeros (or no data) still needs a span for its ticks.
  return niceScale(lo, hi - lo < NO_SPAN ? lo + 1 : hi);
}

/** The least and greatest value; a loop, as spreading a long series into Math.min overflows the stack. */
function extent(values: number[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const value of values) {
    lo = Math.min(lo, value);
    hi = Math.max(hi, value);
  }
  return [lo, hi];
}

/**
 * Ticks every 1, 2 or 5 × 10^k, 4 to 6 of them, spanning [lo, hi] (lo < hi). Those three steps
 * are at most 2.5 apart, so the first one giving at most 5 intervals gives at least 3, except after
 * a jump from 2 to 5, where 2.5 fits instead.
 */
function niceScale(lo: number, hi: number): Scale {
  if (!Number.isFinite(hi - lo)) throw new Error(`cannot draw an axis from ${lo} to ${hi}: the range is too large`);
  // A whisker of slack so that 0.3 / 0.1 = 2.9999999999999996 counts as 3 intervals, not 4.
  const slack = 1e-9;
  const intervals = (step: number): number => Math.ceil(hi / step - slack) - Math.floor(lo / step + slack);
  for (let k = Math.floor(Math.log10(hi - lo)) - 1; ; k++) {
    for (const mantissa of [1, 2, 5]) {
      const n = intervals(mantissa * 10 ** k);
      if (!(n <= 5)) continue; // NaN too, when the step underflows to 0
      return ticksOf(lo, hi, n >= 3 ? mantissa : 2.5, k);
    }
  }
}

function ticksOf(lo: number, hi: number, mantissa: number, k: number): Scale {
  const step = mantissa * 10 ** k;
  const first = Math.floor(lo / step + 1e-9);
  const count = Math.ceil(hi / step - 1e-9) - first + 1;
  // Multiples of the step (not sums of it) and toFixed keep 0.30000000000000004 out of the labels.
  const ticks = Array.from({ length: count }, (_, i) => (first + i) * step);
  const decimals = Math.max(0, -k + (mantissa === 2.5 ? 1 : 0));
  // Past 20 decimals (toFixed takes 100 at most) the labels turn to exponents, as many digits as tell
  // the ticks apart.
  const magnitude = Math.floor(Math.log10(Math.max(...ticks.map(Math.abs))));
  const digits = Math.min(100, Math.max(0, magnitude + decimals));
  const label = (t: number): string => (decimals <= 20 ? t.toFixed(decimals) : t.toExponential(digits));
  return { min: ticks[0] ?? lo, max: ticks.at(-1) ?? hi, ticks, labels: ticks.map(label) };
}

function toPixelX(box: Box, xs: Scale, x: number): number {
  return box.left + Math.round(((x - xs.min) / (xs.max - xs.min)) * (box.right - box.left));
}

function toPixelY(box: Box, ys: Scale, y: number): number {
  return box.bottom - Math.round(((y - ys.min) / (ys.max - ys.min)) * (box.bottom - box.top));
}

function drawGrid(canvas: Canvas, box: Box, xs: Scale, ys: Scale): void {
  for (const x of xs.ticks) fillRect(canvas, toPixelX(box, xs, x), box.top, 1, box.bottom - box.top + 1, GRID);
  for (const y of ys.ticks) fillRect(canvas, box.left, toPixelY(box, ys, y), box.right - box.left + 1, 1, GRID);
}

/** The axes, drawn over the series so a line along zero cannot hide them, with tick marks and labels. */
function drawAxes(canvas: Canvas, box: Box, xs: Scale, ys: Scale, m: Metrics): void {
  const { s, tick, gap } = m;
  fillRect(canvas, box.left, box.top, 1, box.bottom - box.top + 1, INK);
  fillRect(canvas, box.left, box.bottom, box.right - box.left + 1, 1, INK);
  xs.ticks.forEach((x, i) => {
    const px = toPixelX(box, xs, x);
    const label = xs.labels[i] ?? '';
    fillRect(canvas, px, box.bottom + 1, 1, tick, INK);
    drawText(canvas, label, px - Math.floor(textWidth(label, s) / 2), box.bottom + tick + gap, s);
  });
  ys.ticks.forEach((y, i) => {
    const py = toPixelY(box, ys, y);
    const label = ys.labels[i] ?? '';
    fillRect(canvas, box.left - tick, py, tick, 1, INK);
    drawText(canvas, label, box.left - tick - gap - textWidth(label, s), py - Math.floor(m.swatch / 2), s);
  });
}

/** A 2 px line through the points in order; a lone point is a dot, since a line needs two. */
function drawSeries(canvas: Canvas, box: Box, xs: Scale, ys: Scale, points: [number, number][], color: Rgb): void {
  const pixels = points.map(([x, y]) => [toPixelX(box, xs, x), toPixelY(box, ys, y)] as const);
  const [only] = pixels;
  if (pixels.length === 1 && only) fillRect(canvas, only[0] - 2, only[1] - 2, 5, 5, color);
  for (let i = 1; i < pixels.length; i++) {
    const from = pixels[i - 1];
    const to = pixels[i];
    if (from && to) drawLine(canvas, from[0], from[1], to[0], to[1], color);
  }
}

/**
 * Bresenham's line, each step a 2×2 square reaching up and right of it: into the plot, so a line along
 * an axis still shows beside it.
 */
function drawLine(canvas: Canvas, x0: number, y0: number, x1: number, y1: number, color: Rgb): void {
  const dx = Math.abs(x1 - x0);
  const dy = -Math.abs(y1 - y0);
  const sx = x0 < x1 ? 1 : -1;
  const sy = y0 < y1 ? 1 : -1;
  let err = dx + dy;
  for (let x = x0, y = y0; ;) {
    fillRect(canvas, x, y - 1, 2, 2, color);
    if (x === x1 && y === y1) return;
    const twice = 2 * err;
    if (twice >= dy) {
      err += dy;
      x += sx;
    }
    if (twice <= dx) {
      err += dx;
      y += sy;
    }
  }
}

interface LegendEntry {
  name: string;
  color: Rgb;
  width: number;
}

/** The legend's entries (a colour swatch and a name) in rows that fit `room` pixels. */
function legendRows(series: Series[], room: number, m: Metrics): LegendEntry[][] {
  const rows: LegendEntry[][] = [];
  let row: LegendEntry[] = [];
  let used = 0;
  for (const { name, color } of series) {
    const entry = { name, color, width: m.swatch + m.s * 3 + textWidth(name, m.s) };
    if (row.length > 0 && used + m.spacing + entry.width > room) {
      rows.push(row);
      row = [];
    }
    used = row.length === 0 ? entry.width : used + m.spacing + entry.width;
    row.push(entry);
  }
  rows.push(row);
  return rows;
}

function drawLegend(canvas: Canvas, rows: LegendEntry[][], left: number, top: number, m: Metrics): void {
  rows.forEach((row, i) => {
    let x = left;
    const y = top + i * (m.line + m.gap);
    for (const entry of row) {
      fillRect(canvas, x, y, m.swatch, m.swatch, entry.color);
      drawText(canvas, entry.name, x + m.swatch + 3 * m.s, y, m.s);
      x += entry.width + m.spacing;
    }
  });
}

function textWidth(text: string, s: number): number {
  const chars = [...text].length;
  return chars === 0 ? 0 : (chars * 6 - 1) * s;
}

/** Draws `text` left to right with its top left corner at (x, y), each font pixel s×s. */
function drawText(canvas: Canvas, text: string, x: number, y: number, s: number): void {
  eachInk(text, (along, across) => fillRect(canvas, x + along * s, y + across * s, s, s, INK));
}

/** Draws `text` turned a quarter left, reading upwards from (x, y), for the y axis's label. */
function drawTextUp(canvas: Canvas, text: string, x: number, y: number, s: number): void {
  eachInk(text, (along, across) => fillRect(canvas, x + across * s, y - (along + 1) * s, s, s, INK));
}

/** Calls `ink` with the position of each set font pixel of `text`: along the line, and down from its top. */
function eachInk(text: string, ink: (along: number, across: number) => void): void {
  [...text].forEach((char, i) => {
    (GLYPHS.get(char) ?? BOX).forEach((bits, row) => {
      for (let col = 0; col < 5; col++) if (bits & (0x10 >> col)) ink(i * 6 + col, row);
    });
  });
}

/** A white canvas. */
function blank(width: number, height: number): Canvas {
  return { width, height, rgb: new Uint8Array(width * height * 3).fill(255) };
}

/** Fills a rectangle; clipped to the canvas, so that text or a dot at an edge needs no care. */
function fillRect(canvas: Canvas, x: number, y: number, w: number, h: number, color: Rgb): void {
  const x0 = Math.max(0, x);
  const x1 = Math.min(canvas.width, x + w);
  for (let row = Math.max(0, y); row < Math.min(canvas.height, y + h); row++) {
    for (let col = x0; col < x1; col++) canvas.rgb.set(color, (row * canvas.width + col) * 3);
  }
}
