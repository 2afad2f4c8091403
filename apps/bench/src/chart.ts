import type { MigrationWindow } from "./live-migration";
import type { LoadSample } from "./load-generator";

const WIDTH = 960;
const HEIGHT = 420;
const MARGIN = { left: 64, right: 16, top: 36, bottom: 44 };
const COLORS = { heartbeat: "#2b6cb0", report: "#dd6b20", previous: "#805ad5", next: "#2f855a" };
const LABELS = { heartbeat: "heartbeat", report: "report batch", previous: "previous version", next: "new version" };

const escapeXml = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/**
 * The application's latency over time as an SVG: one dot per query (log scale), the p99 of each
 * second as a line, the migrations as shaded bands, failed queries as red crosses.
 */
export function latencyChart(
  title: string,
  samples: LoadSample[],
  migrations: MigrationWindow[],
  lockTimeoutMs: number,
): string {
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const end = Math.max(1000, ...samples.map((s) => s.at + s.ms));
  const maxMs = Math.max(10, lockTimeoutMs * 1.2, ...samples.map((s) => s.ms));
  const minMs = 0.1;
  const x = (ms: number) => MARGIN.left + (ms / end) * plotW;
  const y = (ms: number) =>
    MARGIN.top + plotH - (Math.log10(Math.max(minMs, ms) / minMs) / Math.log10(maxMs / minMs)) * plotH;
  const parts: string[] = [];
  parts.push(`<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`);
  parts.push(`<text x="${MARGIN.left}" y="22" font-size="15" font-weight="bold">${escapeXml(title)}</text>`);
  for (const [i, window] of migrations.entries()) {
    const x0 = x(window.start);
    const x1 = Math.max(x0 + 1, x(Number.isNaN(window.end) ? end : window.end));
    parts.push(
      `<rect x="${x0}" y="${MARGIN.top}" width="${x1 - x0}" height="${plotH}" fill="${i % 2 ? "#e2e8f0" : "#edf2f7"}"/>`,
    );
    parts.push(
      `<text x="${x0 + 2}" y="${MARGIN.top + 12 + 12 * (i % 4)}" font-size="10" fill="#4a5568">${escapeXml(window.name.replace(/^\d+_bench_/, ""))}</text>`,
    );
  }
  for (let decade = minMs; decade <= maxMs; decade *= 10) {
    parts.push(
      `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${y(decade)}" y2="${y(decade)}" stroke="#cbd5e0" stroke-width="0.5"/>`,
    );
    parts.push(
      `<text x="${MARGIN.left - 6}" y="${y(decade) + 4}" font-size="11" text-anchor="end">${decade >= 1 ? decade : decade.toFixed(1)} ms</text>`,
    );
  }
  parts.push(
    `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${y(lockTimeoutMs)}" y2="${y(lockTimeoutMs)}" stroke="#c53030" stroke-dasharray="4 3"/>`,
    `<text x="${WIDTH - MARGIN.right}" y="${y(lockTimeoutMs) - 4}" font-size="11" text-anchor="end" fill="#c53030">migrator lock_timeout ${lockTimeoutMs} ms</text>`,
  );
  for (let second = 0; second * 1000 <= end; second += Math.max(1, Math.round(end / 1000 / 10))) {
    parts.push(
      `<text x="${x(second * 1000)}" y="${HEIGHT - MARGIN.bottom + 16}" font-size="11" text-anchor="middle">${second}s</text>`,
    );
  }
  for (const sample of samples) {
    if (sample.error) {
      parts.push(
        `<text x="${x(sample.at)}" y="${y(sample.ms)}" font-size="12" fill="#c53030" text-anchor="middle">×</text>`,
      );
    } else {
      parts.push(
        `<circle cx="${x(sample.at).toFixed(1)}" cy="${y(sample.ms).toFixed(1)}" r="1.5" fill="${COLORS[sample.kind]}" fill-opacity="0.5"/>`,
      );
    }
  }
  const points: string[] = [];
  for (let second = 0; second * 1000 < end; second++) {
    const inSecond = samples.filter((s) => s.at >= second * 1000 && s.at < (second + 1) * 1000).map((s) => s.ms);
    if (inSecond.length === 0) continue;
    inSecond.sort((a, b) => a - b);
    const p99 = inSecond[Math.min(inSecond.length - 1, Math.ceil(0.99 * inSecond.length) - 1)] as number;
    points.push(`${x(second * 1000 + 500).toFixed(1)},${y(p99).toFixed(1)}`);
  }
  parts.push(`<polyline points="${points.join(" ")}" fill="none" stroke="#1a202c" stroke-width="1.5"/>`);
  const kinds = (Object.keys(LABELS) as LoadSample["kind"][]).filter((kind) => samples.some((s) => s.kind === kind));
  const legend = [...kinds.map((kind) => [LABELS[kind], COLORS[kind]]), ["p99 per second", "#1a202c"]];
  for (const [i, [label, color]] of legend.entries()) {
    const lx = MARGIN.left + i * 130;
    parts.push(`<rect x="${lx}" y="${HEIGHT - 18}" width="10" height="10" fill="${color}"/>`);
    parts.push(`<text x="${lx + 14}" y="${HEIGHT - 9}" font-size="11">${label}</text>`);
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif">\n${parts.join("\n")}\n</svg>\n`;
}
