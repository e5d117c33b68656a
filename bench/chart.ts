import type { ServerName } from './workloads.js';

export interface ChartRow {
  workload: string;
  title: string;
  rps: Record<ServerName, number>;
}

const COLORS: Record<ServerName, string> = { ours: '#2563eb', limit: '#9ca3af', peer: '#f59e0b' };
const LABELS: Record<ServerName, string> = { ours: 'mailadmin (ours)', limit: 'limit: node:http + pg', peer: 'PostGraphile v5' };

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A grouped bar chart of median requests per second, one group per workload, as a standalone SVG. */
export function barChart(rows: ChartRow[], subtitle: string): string {
  const servers: ServerName[] = ['ours', 'limit', 'peer'];
  const width = 900;
  const height = 420;
  const left = 70;
  const bottom = 70;
  const top = 60;
  const plotHeight = height - top - bottom;
  const groupWidth = (width - left - 20) / rows.length;
  const barWidth = (groupWidth * 0.75) / servers.length;
  const max = Math.max(1, ...rows.flatMap((row) => servers.map((s) => row.rps[s])));
  const step = 10 ** Math.floor(Math.log10(max));
  const ceiling = Math.ceil(max / step) * step;
  const y = (value: number) => top + plotHeight - (value / ceiling) * plotHeight;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${left}" y="24" font-size="16" font-weight="bold">Median requests per second (higher is better)</text>`,
    `<text x="${left}" y="44" fill="#555">${escape(subtitle)}</text>`,
  ];
  for (let tick = 0; tick <= ceiling; tick += step) {
    parts.push(
      `<line x1="${left}" x2="${width - 20}" y1="${y(tick)}" y2="${y(tick)}" stroke="#e5e7eb"/>`,
      `<text x="${left - 8}" y="${y(tick) + 4}" text-anchor="end" fill="#555">${tick}</text>`,
    );
  }
  rows.forEach((row, i) => {
    const x0 = left + i * groupWidth + groupWidth * 0.125;
    servers.forEach((server, j) => {
      const value = row.rps[server];
      const x = x0 + j * barWidth;
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${y(value).toFixed(1)}" width="${(barWidth - 2).toFixed(1)}" height="${(top + plotHeight - y(value)).toFixed(1)}" fill="${COLORS[server]}"><title>${LABELS[server]}: ${Math.round(value)} req/s</title></rect>`,
        `<text x="${(x + barWidth / 2 - 1).toFixed(1)}" y="${(y(value) - 4).toFixed(1)}" text-anchor="middle" font-size="10">${Math.round(value)}</text>`,
      );
    });
    const cx = left + i * groupWidth + groupWidth / 2;
    parts.push(
      `<text x="${cx}" y="${height - bottom + 18}" text-anchor="middle" font-weight="bold">${escape(row.workload)}</text>`,
      `<text x="${cx}" y="${height - bottom + 34}" text-anchor="middle" fill="#555">${escape(row.title)}</text>`,
    );
  });
  servers.forEach((server, j) => {
    const x = left + j * 220;
    parts.push(
      `<rect x="${x}" y="${height - 22}" width="12" height="12" fill="${COLORS[server]}"/>`,
      `<text x="${x + 18}" y="${height - 12}">${LABELS[server]}</text>`,
    );
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
