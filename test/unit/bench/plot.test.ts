import fc from 'fast-check';
import { crc32, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { encodePng, linePlotPng, type Chart, type Series } from '../../../bench/plot.ts';

// The PNG is read back with a decoder written here (chunks, CRCs, inflate, filter-0 rows), so the
// assertions are about the image a viewer would show, not about the encoder's own bookkeeping.

type Rgb = [number, number, number];

interface Png {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  interlace: number;
  chunkTypes: string[];
  badCrcs: string[];
  at: (x: number, y: number) => Rgb;
}

const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function decode(png: Buffer): Png {
  expect([...png.subarray(0, 8)]).toEqual(signature);
  const chunks: { type: string; data: Buffer }[] = [];
  const badCrcs: string[] = [];
  for (let at = 8; at < png.length;) {
    const length = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    const data = png.subarray(at + 8, at + 8 + length);
    if (png.readUInt32BE(at + 8 + length) !== crc32(png.subarray(at + 4, at + 8 + length))) badCrcs.push(type);
    chunks.push({ type, data });
    at += length + 12;
  }
  const ihdr = chunks.find((c) => c.type === 'IHDR')!.data;
  const width = ihdr.readUInt32BE(0);
  const height = ihdr.readUInt32BE(4);
  const raw = inflateSync(Buffer.concat(chunks.filter((c) => c.type === 'IDAT').map((c) => c.data)));
  const stride = width * 3 + 1;
  expect(raw.length).toBe(stride * height);
  for (let y = 0; y < height; y++) expect(raw[y * stride], `filter type of row ${y}`).toBe(0);
  return {
    width,
    height,
    bitDepth: ihdr[8]!,
    colorType: ihdr[9]!,
    interlace: ihdr[12]!,
    chunkTypes: chunks.map((c) => c.type),
    badCrcs,
    at: (x, y) => {
      const i = y * stride + 1 + x * 3;
      return [raw[i]!, raw[i + 1]!, raw[i + 2]!];
    },
  };
}

const white: Rgb = [255, 255, 255];
const black: Rgb = [0, 0, 0];
const red: Rgb = [214, 39, 40];
const blue: Rgb = [31, 119, 180];
const green: Rgb = [44, 160, 44];

const same = (a: Rgb, b: Rgb): boolean => a[0] === b[0] && a[1] === b[1] && a[2] === b[2];

/** The longest run of `color` in a line of pixels, as [start, end] inclusive. */
function longestRun(length: number, color: Rgb, at: (i: number) => Rgb): [number, number] {
  let best: [number, number] = [0, -1];
  for (let i = 0, start = -1; i <= length; i++) {
    if (i < length && same(at(i), color)) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      if (i - 1 - start > best[1] - best[0]) best = [start, i - 1];
      start = -1;
    }
  }
  return best;
}

interface Area {
  left: number;
  right: number;
  top: number;
  bottom: number;
}

/** The plot area as the axes show it: the y axis is the longest vertical black line, the x axis turns off it. */
function plotArea(png: Png): Area {
  let left = 0;
  let column: [number, number] = [0, -1];
  for (let x = 0; x < png.width; x++) {
    const run = longestRun(png.height, black, (y) => png.at(x, y));
    if (run[1] - run[0] > column[1] - column[0]) [left, column] = [x, run];
  }
  const top = column[0];
  // The black line runs on down through the tick mark below the axis at the first x tick.
  let bottom = column[1];
  while (bottom > top && !same(png.at(left + 1, bottom), black)) bottom--;
  const right = left + longestRun(png.width - left, black, (i) => png.at(left + i, bottom))[1];
  return { left, right, top, bottom };
}

/** How many separate black marks a line of pixels crosses: the tick marks, for a line beside an axis. */
function marks(length: number, at: (i: number) => Rgb): number {
  let count = 0;
  for (let i = 0; i < length; i++) if (same(at(i), black) && (i === 0 || !same(at(i - 1), black))) count++;
  return count;
}

function count(png: Png, color: Rgb, rows: [number, number]): number {
  let n = 0;
  for (let y = rows[0]; y < rows[1]; y++) for (let x = 0; x < png.width; x++) if (same(png.at(x, y), color)) n++;
  return n;
}

/** Where a point belongs on axes running from 0 to 60 and from 0 to 100, as those of `chart` should. */
function pixelOf(area: Area, x: number, y: number): [number, number] {
  return [
    area.left + Math.round((x / 60) * (area.right - area.left)),
    area.bottom - Math.round((y / 100) * (area.bottom - area.top)),
  ];
}

// Minutes 0–59 and MiB up to 93: the axes should run to 60 and to 100.
const rss: Series = {
  name: 'rollguard run RSS',
  points: Array.from({ length: 60 }, (_, m) => [m, m < 30 ? 40 + m : 93] as [number, number]),
  color: red,
};
const heap: Series = {
  name: 'JS heap',
  points: [
    [0, 20],
    [59, 20],
  ],
  color: blue,
};
const chart: Chart = { title: 'soak: memory', xLabel: 'time (min)', yLabel: 'MiB', series: [rss, heap] };

describe('encodePng', () => {
  it('writes an 8-bit RGB PNG with valid chunks that decodes to the same pixels', () => {
    const rgb = Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 1, 2, 3, 250, 251, 252, 7, 8, 9]);
    const png = decode(encodePng(3, 2, rgb));
    expect([png.width, png.height, png.bitDepth, png.colorType, png.interlace]).toEqual([3, 2, 8, 2, 0]);
    expect(png.chunkTypes).toEqual(['IHDR', 'IDAT', 'IEND']);
    expect(png.badCrcs).toEqual([]);
    expect([png.at(0, 0), png.at(1, 0), png.at(2, 0), png.at(0, 1), png.at(1, 1), png.at(2, 1)]).toEqual([
      [255, 0, 0],
      [0, 255, 0],
      [0, 0, 255],
      [1, 2, 3],
      [250, 251, 252],
      [7, 8, 9],
    ]);
  });

  it('refuses data that does not match the size', () => {
    expect(() => encodePng(2, 2, new Uint8Array(11))).toThrow(/must be 12 bytes, not 11/);
    expect(() => encodePng(0, 2, new Uint8Array(0))).toThrow(/PNG size/);
  });
});

describe('linePlotPng', () => {
  const png = decode(linePlotPng(chart));
  const area = plotArea(png);
  const at = (x: number, y: number): [number, number] => pixelOf(area, x, y);

  it('is a valid 900×500 RGB PNG on a white background', () => {
    expect([png.width, png.height, png.bitDepth, png.colorType, png.interlace]).toEqual([900, 500, 8, 2, 0]);
    expect(png.badCrcs).toEqual([]);
    for (const [x, y] of [
      [0, 0],
      [899, 0],
      [0, 499],
      [899, 499],
    ] as const)
      expect(png.at(x, y)).toEqual(white);
    expect(count(png, white, [0, 500])).toBeGreaterThan(900 * 500 * 0.8);
  });

  it('draws the axes across most of the image', () => {
    expect(area.right - area.left).toBeGreaterThan(600);
    expect(area.bottom - area.top).toBeGreaterThan(300);
  });

  it('puts 4 to 6 tick marks on each axis', () => {
    const yTicks = marks(area.bottom - area.top + 1, (i) => png.at(area.left - 2, area.top + i));
    const xTicks = marks(area.right - area.left + 1, (i) => png.at(area.left + i, area.bottom + 2));
    expect(yTicks).toBeGreaterThanOrEqual(4);
    expect(yTicks).toBeLessThanOrEqual(6);
    expect(xTicks).toBeGreaterThanOrEqual(4);
    expect(xTicks).toBeLessThanOrEqual(6);
  });

  it("draws each data point in its series' colour where the axes (0–60, 0–100) put it", () => {
    expect(png.at(...at(10, 50))).toEqual(red);
    expect(png.at(...at(45, 93))).toEqual(red);
    expect(png.at(...at(30, 20))).toEqual(blue);
    // The flat line is 2 px thick: visible, and not a band.
    const [x, y] = at(30, 20);
    const column = Array.from({ length: 13 }, (_, i) => png.at(x, y - 6 + i));
    expect(column.filter((pixel) => same(pixel, blue))).toHaveLength(2);
  });

  it('shows a legend with each colour above the plot', () => {
    expect(count(png, red, [0, area.top - 8])).toBeGreaterThan(20);
    expect(count(png, blue, [0, area.top - 8])).toBeGreaterThan(20);
  });

  it('lists a series with no points in the legend, and draws the others', () => {
    const empty: Series = { name: 'not sampled', points: [], color: green };
    const withEmpty = decode(linePlotPng({ ...chart, series: [empty, heap] }));
    const box = plotArea(withEmpty);
    expect(count(withEmpty, green, [0, box.top])).toBeGreaterThan(20);
    expect(count(withEmpty, green, [box.top, withEmpty.height])).toBe(0);
    expect(count(withEmpty, blue, [box.top, box.bottom])).toBeGreaterThan(100);
  });

  it('draws a single point as a dot', () => {
    const single = decode(linePlotPng({ ...chart, series: [{ ...heap, points: [[30, 50]] }] }));
    const box = plotArea(single);
    const blues = count(single, blue, [box.top, box.bottom]);
    expect(blues).toBeGreaterThanOrEqual(9);
    expect(blues).toBeLessThan(50);
  });

  it('skips NaN and Infinity points, joining their neighbours', () => {
    const gappy: Series = {
      ...heap,
      points: [
        [0, 20],
        [20, NaN],
        [30, Infinity],
        [59, 20],
      ],
    };
    const drawn = decode(linePlotPng({ ...chart, series: [rss, gappy] }));
    expect(drawn.at(...pixelOf(plotArea(drawn), 25, 20))).toEqual(blue);
  });

  it('gives all-zero data an axis from 0 with ticks, the line along its foot', () => {
    const zeros: Series = {
      name: 'idle',
      points: [
        [0, 0],
        [60, 0],
      ],
      color: green,
    };
    const flat = decode(linePlotPng({ ...chart, series: [zeros] }));
    const box = plotArea(flat);
    expect(box.bottom - box.top).toBeGreaterThan(300);
    expect(marks(box.bottom - box.top + 1, (i) => flat.at(box.left - 2, box.top + i))).toBeGreaterThanOrEqual(4);
    expect(flat.at(Math.round((box.left + box.right) / 2), box.bottom - 1)).toEqual(green);
  });

  it('keeps 4 to 6 ticks on each axis and every point within the axes, whatever the data', () => {
    const value = fc.double({ min: -1e6, max: 1e6, noNaN: true });
    fc.assert(
      fc.property(fc.array(fc.tuple(value, value), { minLength: 1, maxLength: 20 }), (points) => {
        const drawn = decode(linePlotPng({ ...chart, series: [{ ...rss, points }] }));
        const box = plotArea(drawn);
        const yTicks = marks(box.bottom - box.top + 1, (i) => drawn.at(box.left - 2, box.top + i));
        const xTicks = marks(box.right - box.left + 1, (i) => drawn.at(box.left + i, box.bottom + 2));
        expect([yTicks >= 4 && yTicks <= 6, xTicks >= 4 && xTicks <= 6]).toEqual([true, true]);
        // A lone point's dot reaches 2 px around it; the legend's swatch is well above the plot.
        let outside = 0;
        for (let y = box.top - 8; y < drawn.height; y++) {
          for (let x = 0; x < drawn.width; x++) {
            const inside = y >= box.top - 2 && y <= box.bottom + 2 && x >= box.left - 2 && x <= box.right + 2;
            if (!inside && same(drawn.at(x, y), red)) outside++;
          }
        }
        expect(outside).toBe(0);
      }),
      { numRuns: 25 },
    );
  });

  it('draws a character outside the font as a box', () => {
    const boxed = decode(linePlotPng({ ...chart, title: '€' }));
    const rows: number[] = [];
    const cols: number[] = [];
    for (let y = 0; y < 40; y++) {
      for (let x = 0; x < boxed.width; x++) {
        if (same(boxed.at(x, y), black)) {
          rows.push(y);
          cols.push(x);
        }
      }
      if (rows.length > 0 && rows.at(-1) !== y) break; // the first line of text ends
    }
    const [top, bottom, left, right] = [Math.min(...rows), Math.max(...rows), Math.min(...cols), Math.max(...cols)];
    expect(right - left).toBeGreaterThan(3);
    for (let x = left; x <= right; x++) expect([boxed.at(x, top), boxed.at(x, bottom)]).toEqual([black, black]);
    for (let y = top; y <= bottom; y++) expect([boxed.at(left, y), boxed.at(right, y)]).toEqual([black, black]);
    expect(boxed.at(Math.round((left + right) / 2), Math.round((top + bottom) / 2))).toEqual(white);
    expect(Math.abs((left + right) / 2 - boxed.width / 2)).toBeLessThanOrEqual(1); // centred
  });

  it('refuses bad sizes and a chart without series, naming the problem', () => {
    expect(() => linePlotPng({ ...chart, width: 99 })).toThrow(/width must be a whole number .* at least 100, not 99/);
    expect(() => linePlotPng({ ...chart, height: 300.5 })).toThrow(/height .* not 300.5/);
    expect(() => linePlotPng({ ...chart, series: [] })).toThrow(/no series/);
    expect(() => linePlotPng({ ...chart, series: [{ ...heap, color: [0, 0, 256] }] })).toThrow(/"JS heap" color/);
  });
});
