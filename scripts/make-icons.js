#!/usr/bin/env node
// Draws Knocker's icons into assets/ (run again after changing a shape; the PNGs are committed):
//   assets/tray/tray-<state>Template.png, @2x      macOS menu bar: black + alpha, the system tints them
//   assets/tray/tray-<state>-<light|dark>.png, @2x  other trays: a glyph for light or dark panels
//   assets/icons/<N>x<N>.png, assets/icon.png        app icon (Linux sizes, 1024 for macOS)
//   assets/icon.ico                                   Windows (PNG entries 16-256)
// States: idle, knocking, open, error. Shapes are drawn with anti-aliasing (4x4 supersampling)
// from a few primitives on a 16-unit grid, and written as PNG with zlib: no dependency.
'use strict';
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');

const out = path.resolve(__dirname, '..', 'assets');

// ---- PNG --------------------------------------------------------------------------------------
const CRC = new Int32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});
function crc32(buf) {
  let c = -1;
  for (const b of buf) c = CRC[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
function png(size, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  const raw = Buffer.alloc((size * 4 + 1) * size);
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0;
    rgba.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}
function ico(entries) {
  const head = Buffer.alloc(6 + entries.length * 16);
  head.writeUInt16LE(0, 0);
  head.writeUInt16LE(1, 2);
  head.writeUInt16LE(entries.length, 4);
  let offset = head.length;
  entries.forEach(({ size, data }, i) => {
    const o = 6 + i * 16;
    head[o] = size >= 256 ? 0 : size;
    head[o + 1] = size >= 256 ? 0 : size;
    head.writeUInt16LE(1, o + 4);
    head.writeUInt16LE(32, o + 6);
    head.writeUInt32LE(data.length, o + 8);
    head.writeUInt32LE(offset, o + 12);
    offset += data.length;
  });
  return Buffer.concat([head, ...entries.map((e) => e.data)]);
}

// ---- shapes (16-unit grid) ------------------------------------------------------------------------
const segDist = (px, py, ax, ay, bx, by) => {
  const dx = bx - ax, dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy || 1)));
  return Math.hypot(px - ax - t * dx, py - ay - t * dy);
};
const roundRectDist = (px, py, x0, y0, x1, y1, r) => {
  const cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
  const qx = Math.abs(px - cx) - ((x1 - x0) / 2 - r), qy = Math.abs(py - cy) - ((y1 - y0) / 2 - r);
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - r;
};
const shape = {
  /** Filled rounded rectangle. */
  box: (x0, y0, x1, y1, r) => (x, y) => roundRectDist(x, y, x0, y0, x1, y1, r) <= 0,
  /** Outline of a rounded rectangle of stroke width w. */
  frame: (x0, y0, x1, y1, r, w) => (x, y) => Math.abs(roundRectDist(x, y, x0 + w / 2, y0 + w / 2, x1 - w / 2, y1 - w / 2, r)) <= w / 2,
  disc: (cx, cy, r) => (x, y) => Math.hypot(x - cx, y - cy) <= r,
  ring: (cx, cy, r, w) => (x, y) => Math.abs(Math.hypot(x - cx, y - cy) - r) <= w / 2,
  line: (ax, ay, bx, by, w) => (x, y) => segDist(x, y, ax, ay, bx, by) <= w / 2,
  /** Arc of radius r around (cx, cy) between angles a0..a1 (degrees, 0 = right, y down). */
  arc: (cx, cy, r, a0, a1, w) => (x, y) => {
    const a = (Math.atan2(y - cy, x - cx) * 180) / Math.PI;
    if (a < a0 || a > a1) return false;
    return Math.abs(Math.hypot(x - cx, y - cy) - r) <= w / 2;
  },
  polygon: (pts) => (x, y) => {
    let inside = false;
    for (let i = 0, j = pts.length - 1; i < pts.length; j = i++) {
      const [xi, yi] = pts[i], [xj, yj] = pts[j];
      if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
    }
    return inside;
  },
};

/** A layer: a shape, its colour, and whether it cuts through what is below (alpha 0). */
function render(size, layers, grid = 16) {
  const S = 4;
  const buf = Buffer.alloc(size * size * 4);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0, g = 0, b = 0, a = 0;
      for (let sy = 0; sy < S; sy++) {
        for (let sx = 0; sx < S; sx++) {
          const x = ((px + (sx + 0.5) / S) / size) * grid;
          const y = ((py + (sy + 0.5) / S) / size) * grid;
          let col = null;
          for (const l of layers) {
            if (l.shape(x, y)) col = l.cut ? null : l.color;
          }
          if (col) {
            r += col[0] * col[3];
            g += col[1] * col[3];
            b += col[2] * col[3];
            a += col[3];
          }
        }
      }
      const o = (py * size + px) * 4;
      if (a > 0) {
        buf[o] = Math.round(r / a);
        buf[o + 1] = Math.round(g / a);
        buf[o + 2] = Math.round(b / a);
      }
      buf[o + 3] = Math.round((a / (S * S)) * 255);
    }
  }
  return buf;
}

// ---- the tray glyph: a door with a ring knocker ----------------------------------------------------
const hex = (h, alpha = 1) => [parseInt(h.slice(1, 3), 16), parseInt(h.slice(3, 5), 16), parseInt(h.slice(5, 7), 16), alpha];

function trayLayers(state, base, accent) {
  const door = { shape: shape.frame(2.5, 1.5, 11, 14.5, 1.6, 1.6), color: base };
  const ring = { shape: shape.ring(6.75, 8, 1.55, 1.3), color: base };
  const L = [];
  if (state === 'open') {
    // The frame, and the panel swung open (a filled quad).
    L.push({ shape: shape.frame(2.5, 1.5, 11, 14.5, 1.6, 1.6), color: base });
    L.push({ shape: shape.polygon([[3.4, 2.6], [8.4, 4.2], [8.4, 15.2], [3.4, 13.4]]), color: accent });
    L.push({ shape: shape.disc(7, 9.2, 0.9), color: base, cut: true });
    return L;
  }
  L.push(door, ring);
  if (state === 'knocking') {
    L.push({ shape: shape.arc(10.5, 8, 2.6, -50, 50, 1.3), color: accent });
    L.push({ shape: shape.arc(10.5, 8, 4.9, -45, 45, 1.3), color: accent });
  }
  if (state === 'error') {
    L.push({ shape: shape.disc(12.2, 12.2, 3.6), color: base, cut: true });
    L.push({ shape: shape.line(10.4, 10.4, 14.0, 14.0, 1.5), color: accent });
    L.push({ shape: shape.line(14.0, 10.4, 10.4, 14.0, 1.5), color: accent });
  }
  return L;
}

const STATES = ['idle', 'knocking', 'open', 'error'];
const written = [];
function write(rel, data) {
  const file = path.join(out, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, data);
  written.push(rel);
}

const BLACK = [0, 0, 0, 1];
const VARIANTS = {
  // Glyph for light panels, and for dark ones; the state's accent in colour.
  light: { base: hex('#2b2f36'), accent: { idle: hex('#2b2f36'), knocking: hex('#2563eb'), open: hex('#15803d'), error: hex('#dc2626') } },
  dark: { base: hex('#eceff3'), accent: { idle: hex('#eceff3'), knocking: hex('#7aa2f7'), open: hex('#4ade80'), error: hex('#f87171') } },
};
for (const state of STATES) {
  for (const [suffix, size] of [['', 16], ['@2x', 32]]) {
    write(`tray/tray-${state}Template${suffix}.png`, png(size, render(size, trayLayers(state, BLACK, BLACK))));
    for (const [name, v] of Object.entries(VARIANTS)) {
      write(`tray/tray-${state}-${name}${suffix}.png`, png(size * 2, render(size * 2, trayLayers(state, v.base, v.accent[state]))));
    }
  }
}

// ---- the app icon: the same door, white on a blue rounded square ------------------------------------
function appLayers() {
  const white = hex('#ffffff');
  return [
    { shape: shape.box(0.6, 0.6, 15.4, 15.4, 3.4), color: hex('#2563eb') },
    { shape: shape.frame(4.6, 2.6, 11.4, 13.6, 1.3, 1.3), color: white },
    { shape: shape.ring(8, 8.1, 1.35, 1.05), color: white },
    { shape: shape.line(3.2, 13.6, 12.8, 13.6, 1.1), color: white },
  ];
}
const appPng = {};
for (const size of [16, 24, 32, 48, 64, 128, 256, 512, 1024]) {
  appPng[size] = png(size, render(size, appLayers()));
  if (size <= 512) write(`icons/${size}x${size}.png`, appPng[size]);
}
write('icon.png', appPng[1024]);
write('icon.ico', ico([16, 24, 32, 48, 64, 128, 256].map((size) => ({ size, data: appPng[size] }))));
console.log(`wrote ${written.length} files under assets/`);
