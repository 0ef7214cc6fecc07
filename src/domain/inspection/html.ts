import { worstFirst } from './report.ts';
import type { Evidence, Finding, InspectionReport, TargetReport, TargetStatus } from './types.ts';
import { targetStatuses } from './types.ts';

/** Every value that enters the page goes through this: names, messages and evidence come from the cluster. */
export function escapeHtml(value: unknown): string {
  return String(value)
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

const statusClass = (status: TargetStatus): string => `s-${status.toLowerCase()}`;

const seconds = (ms: number): string => (ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`);

function evidenceList(evidence: Evidence): string {
  const rows = (
    [
      ['seen', evidence.value],
      ['expected', evidence.expected],
      ['threshold', evidence.threshold],
      ['since', evidence.since],
      ['by', evidence.by],
    ] as const
  ).filter(([, v]) => v !== undefined);
  if (rows.length === 0) return '';
  return `<dl class="evidence">${rows.map(([k, v]) => `<dt>${k}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl>`;
}

function findingItem(f: Finding): string {
  return (
    `<li class="finding ${f.severity === 'Failing' ? 's-failing' : 's-warning'}" data-kind="${escapeHtml(f.kind)}">` +
    `<span class="kind">${escapeHtml(f.kind)}</span> <span class="subject">${escapeHtml(f.subject)}</span>` +
    `<div class="message">${escapeHtml(f.message)}</div>${evidenceList(f.evidence)}</li>`
  );
}

const findingsCell = (findings: Finding[]): string =>
  findings.length === 0 ? '<span class="none">nothing found</span>' : `<ul>${findings.map(findingItem).join('')}</ul>`;

const revisionText = (t: TargetReport): string =>
  t.currentRevision === undefined
    ? '–'
    : t.deploymentRevision === undefined || t.deploymentRevision === t.currentRevision
      ? String(t.currentRevision)
      : `${t.currentRevision} (Deployment: ${t.deploymentRevision})`;

function targetRow(t: TargetReport): string {
  const rank = targetStatuses.indexOf(t.status);
  const text = [t.name, t.status, t.phase ?? '', ...t.findings.flatMap((f) => [f.kind, f.subject, f.message])]
    .join(' ')
    .toLowerCase();
  return (
    `<tr class="target ${statusClass(t.status)}" data-status="${escapeHtml(t.status)}" data-text="${escapeHtml(text)}">` +
    `<td data-sort="${rank}"><span class="badge ${statusClass(t.status)}">${escapeHtml(t.status)}</span></td>` +
    `<td class="name" data-sort="${escapeHtml(t.name)}">${escapeHtml(t.name)}</td>` +
    `<td data-sort="${escapeHtml(t.phase ?? '')}">${escapeHtml(t.phase ?? '–')}</td>` +
    `<td data-sort="${t.currentRevision ?? 0}">${escapeHtml(revisionText(t))}</td>` +
    `<td data-sort="${t.findings.length}">${findingsCell(t.findings)}</td></tr>`
  );
}

function namespaceSection(namespace: string, targets: TargetReport[]): string {
  const worst = targets[0]?.status ?? 'Healthy';
  return (
    `<section class="namespace" data-namespace="${escapeHtml(namespace)}">` +
    `<h2><span class="badge ${statusClass(worst)}">${escapeHtml(worst)}</span> namespace ${escapeHtml(namespace)} ` +
    `<small>${targets.length} Release${targets.length === 1 ? '' : 's'}</small></h2>` +
    '<table class="sortable"><thead><tr>' +
    ['Status', 'Release', 'Phase', 'Revision', 'Findings']
      .map((h, i) => `<th data-column="${i}" title="sort by ${h.toLowerCase()}">${h}</th>`)
      .join('') +
    `</tr></thead><tbody>${targets.map(targetRow).join('')}</tbody></table></section>`
  );
}

/** The namespaces, worst first (as their worst Release), each with its Releases worst first. */
function byNamespace(targets: readonly TargetReport[]): [string, TargetReport[]][] {
  const groups = new Map<string, TargetReport[]>();
  for (const t of worstFirst(targets)) groups.set(t.namespace, [...(groups.get(t.namespace) ?? []), t]);
  return [...groups.entries()];
}

function summary(report: InspectionReport): string {
  const scope =
    [report.scope.namespace ? `namespace ${report.scope.namespace}` : 'every namespace']
      .concat(report.scope.selector ? [`selector ${report.scope.selector}`] : [])
      .join(', ') || 'every Release';
  const counts = targetStatuses
    .map(
      (s) =>
        `<label class="count ${statusClass(s)}"><input type="checkbox" class="status-filter" value="${s}" checked> ` +
        `<b>${report.counts[s]}</b> ${s}</label>`,
    )
    .join('');
  const kinds = Object.entries(report.findingsByKind)
    .sort(([, a], [, b]) => (b ?? 0) - (a ?? 0))
    .map(([k, n]) => `<li>${escapeHtml(k)}: ${escapeHtml(n)}</li>`)
    .join('');
  return (
    '<header class="summary">' +
    `<h1>rollguard inspection ${escapeHtml(report.schedule ? `(${report.schedule})` : '')}</h1>` +
    `<p class="meta">${escapeHtml(report.targets.length)} Releases in ${escapeHtml(scope)}; started ` +
    `<time>${escapeHtml(report.startedAt)}</time>, took <b class="duration">${escapeHtml(seconds(report.durationMs))}</b>; ` +
    `cluster <span class="badge ${statusClass(report.cluster.status)}">${escapeHtml(report.cluster.status)}</span> ` +
    `(${escapeHtml(report.cluster.nodes.ready)}/${escapeHtml(report.cluster.nodes.total)} nodes Ready)</p>` +
    `<div class="counts">${counts}</div>` +
    (kinds ? `<ul class="kinds">${kinds}</ul>` : '') +
    '<p><input type="search" id="filter" placeholder="filter: name, finding, message…" aria-label="filter"></p>' +
    `<p class="id">${escapeHtml(report.id)}</p></header>`
  );
}

function clusterSection(report: InspectionReport): string {
  const skipped = report.cluster.skipped ?? [];
  if (report.cluster.findings.length === 0 && skipped.length === 0) return '';
  const notes = skipped.map((s) => `<p class="none">${escapeHtml(s)}</p>`).join('');
  return `<section class="cluster"><h2>Cluster</h2>${report.cluster.findings.length ? findingsCell(report.cluster.findings) : ''}${notes}</section>`;
}

const css = `
body{font:14px/1.4 system-ui,sans-serif;margin:0 1.5em 2em;color:#1d2330;background:#fafbfc}
h1{font-size:1.5em;margin:.6em 0 .2em}h2{font-size:1.15em;margin:1.4em 0 .4em}h2 small{color:#6b7280;font-weight:normal}
.summary{position:sticky;top:0;background:#fafbfc;padding-bottom:.5em;border-bottom:1px solid #d8dde5;z-index:1}
.meta,.id{color:#4b5563}.id{font-size:.8em;margin:0}
.counts{display:flex;gap:.6em;flex-wrap:wrap}.count{padding:.3em .7em;border-radius:6px;cursor:pointer}
.kinds{display:flex;gap:1.2em;flex-wrap:wrap;padding:0;list-style:none;color:#374151}
#filter{width:28em;max-width:100%;padding:.35em .5em}
table{border-collapse:collapse;width:100%;background:#fff}th,td{border:1px solid #d8dde5;padding:.35em .55em;text-align:left;vertical-align:top}
th{background:#eef1f5;cursor:pointer;user-select:none}th.asc::after{content:" ▲"}th.desc::after{content:" ▼"}
.badge{display:inline-block;padding:0 .5em;border-radius:4px;font-weight:600}
.s-failing{background:#fde2e1;color:#8b1a13}.s-error{background:#ede0fb;color:#5b1f99}.s-warning{background:#fdf1cf;color:#7a5300}.s-healthy{background:#dcf5e3;color:#14532d}
tr.target{color:#1d2330}tr.target.s-failing td{background:#fff4f3}tr.target.s-healthy td,tr.target.s-warning td,tr.target.s-error td{background:#fff}
ul{margin:0;padding-left:1.1em}.finding{margin:.15em 0 .5em;background:none}.finding .kind{font-weight:700}
.finding.s-failing .kind{color:#b42318}.finding.s-warning .kind{color:#8a5a00}.subject{color:#374151}
.evidence{display:grid;grid-template-columns:max-content auto;gap:0 .6em;margin:.2em 0 0;font-size:.92em;color:#374151}
.evidence dt{color:#6b7280}.evidence dd{margin:0;font-family:ui-monospace,monospace;word-break:break-all}
.none{color:#6b7280}.hidden{display:none}`;

// Sorting and filtering in the page itself: no server, no library.
const script = `
(function(){
  var rows=function(){return Array.prototype.slice.call(document.querySelectorAll('tr.target'));};
  var filter=document.getElementById('filter');
  function apply(){
    var text=(filter.value||'').toLowerCase();
    var shown={};document.querySelectorAll('.status-filter').forEach(function(c){shown[c.value]=c.checked;});
    rows().forEach(function(r){
      var ok=shown[r.getAttribute('data-status')]&&r.getAttribute('data-text').indexOf(text)>=0;
      r.classList.toggle('hidden',!ok);
    });
    document.querySelectorAll('section.namespace').forEach(function(s){
      s.classList.toggle('hidden',s.querySelectorAll('tr.target:not(.hidden)').length===0);
    });
  }
  filter.addEventListener('input',apply);
  document.querySelectorAll('.status-filter').forEach(function(c){c.addEventListener('change',apply);});
  document.querySelectorAll('table.sortable th').forEach(function(th){
    th.addEventListener('click',function(){
      var table=th.closest('table'),body=table.tBodies[0],col=+th.getAttribute('data-column');
      var asc=!th.classList.contains('asc');
      table.querySelectorAll('th').forEach(function(h){h.classList.remove('asc','desc');});
      th.classList.add(asc?'asc':'desc');
      var list=Array.prototype.slice.call(body.rows);
      list.sort(function(a,b){
        var x=a.cells[col].getAttribute('data-sort'),y=b.cells[col].getAttribute('data-sort');
        var nx=Number(x),ny=Number(y);
        var c=(x!==''&&y!==''&&!isNaN(nx)&&!isNaN(ny))?nx-ny:x.localeCompare(y);
        return asc?c:-c;
      });
      list.forEach(function(r){body.appendChild(r);});
    });
  });
})();`;

/**
 * The report as one HTML page that needs nothing else: styles and script inline, no request leaves
 * it (its Content-Security-Policy forbids any), the worst Releases first.
 */
export function renderReportHtml(report: InspectionReport): string {
  const sections = byNamespace(report.targets)
    .map(([namespace, targets]) => namespaceSection(namespace, targets))
    .join('\n');
  const empty = report.targets.length === 0 ? '<p class="none">No Release matched.</p>' : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>rollguard inspection ${escapeHtml(report.startedAt)}: ${report.counts.Failing} failing</title>
<style>${css}</style></head>
<body>
${summary(report)}
${clusterSection(report)}
<main>${sections}${empty}</main>
<script>${script}</script>
</body></html>
`;
}
