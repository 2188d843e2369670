/** Inline CSS of the HTML report: system fonts only, colours as variables with a dark variant. */
export const CSS = `
:root{color-scheme:light dark;--bg:#f7f8fa;--panel:#fff;--fg:#1c2330;--dim:#5f6b7a;--line:#dde2e8;
--accent:#2563eb;--good:#15803d;--bad:#c62828;--warn:#b45309;--band:rgba(37,99,235,.16);--thr:#c62828;
--good-bg:#e6f4ea;--bad-bg:#fdecea;--warn-bg:#fff4e0;--neutral-bg:#eef1f5;--lower:#7c3aed;--after:rgba(95,107,122,.07);
--unhealthy:#ea580c;--unjudged:#94a3b8;--open:#cbd5e1}
@media (prefers-color-scheme:dark){:root{--bg:#0f141b;--panel:#171d26;--fg:#e3e8ef;--dim:#93a0b1;
--line:#2a3340;--accent:#6ea8fe;--good:#4ade80;--bad:#f87171;--warn:#fbbf24;--band:rgba(110,168,254,.2);
--thr:#f87171;--good-bg:#13301f;--bad-bg:#3a1717;--warn-bg:#3a2a0e;--neutral-bg:#222a35;--lower:#c4b5fd;
--after:rgba(147,160,177,.08);--unhealthy:#fb923c;--unjudged:#64748b;--open:#334155}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{max-width:1180px;margin:0 auto;padding:24px 28px 48px}
h1{margin:0 0 10px;font-size:26px}h2{margin:32px 0 10px;font-size:19px}
h3{margin:18px 0 8px;font-size:16px;display:flex;gap:8px;align-items:center;flex-wrap:wrap}
.nw,code{white-space:nowrap}code{font:12.5px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.eyebrow{margin:0;color:var(--dim);text-transform:uppercase;letter-spacing:.06em;font-size:12px}
.dim{color:var(--dim)}.bad-text{color:var(--bad);font-weight:600}.warn-text{color:var(--warn);font-weight:600}
.facts{display:flex;flex-wrap:wrap;gap:6px 28px;margin:0}.facts div{display:flex;gap:6px}
.facts dt{color:var(--dim)}.facts dd{margin:0;font-weight:600;font-variant-numeric:tabular-nums}
.summary{display:grid;grid-template-columns:repeat(auto-fit,minmax(175px,1fr));gap:10px;margin:20px 0 4px}
.card{background:var(--panel);border:1px solid var(--line);border-left:4px solid var(--line);border-radius:6px;padding:10px 12px}
.card.good{border-left-color:var(--good)}.card.bad{border-left-color:var(--bad)}.card.warn{border-left-color:var(--warn)}
.card .label{color:var(--dim);font-size:12px}.card .value{font-size:18px;font-weight:700;font-variant-numeric:tabular-nums}
.card .detail{color:var(--dim);font-size:12px}
.rollout{background:var(--panel);border:1px solid var(--line);border-radius:8px;padding:4px 16px 12px;margin:0 0 16px}
.table-wrap{overflow-x:auto}
table{border-collapse:collapse;width:100%;background:var(--panel);font-variant-numeric:tabular-nums}
th,td{padding:5px 10px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
thead th{font-size:12px;color:var(--dim);font-weight:600;border-bottom-width:2px}
tfoot td{font-weight:700;border-top:2px solid var(--line)}
.n{text-align:right;white-space:nowrap}.n .lines{white-space:normal}
.badge{display:inline-block;padding:0 7px;border-radius:10px;font-size:12px;font-weight:600;background:var(--neutral-bg)}
.badge.good{background:var(--good-bg);color:var(--good)}.badge.bad{background:var(--bad-bg);color:var(--bad)}
.approvals{margin:0;padding:0;list-style:none}q{color:var(--dim)}
figure{margin:14px 0 6px}figcaption{margin-bottom:4px;display:flex;gap:8px;align-items:baseline;flex-wrap:wrap}
.chart{display:block;width:100%;height:auto;overflow:visible}
.stage-grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(480px,100%),1fr));gap:4px 24px}
.stage-chart{min-width:0}
#grouping .chart{max-width:900px}
.chart text{fill:var(--dim);font-size:11px}.chart .bar-label{fill:var(--fg);font-size:12px}
.chart .axis-label{font-size:11px}
.chart .grid{stroke:var(--line);stroke-width:1}
.chart .band{fill:var(--band);stroke:none}
.chart .threshold{fill:none;stroke:var(--thr);stroke-width:1.5;stroke-dasharray:6 4}
.chart .rate{fill:none;stroke:var(--accent);stroke-width:2;stroke-linejoin:round}
.chart .rate-dot{fill:var(--accent)}
.chart .lower{fill:none;stroke:var(--lower);stroke-width:1.5;stroke-linejoin:round}
.chart .after{fill:var(--after)}
.chart .decision{stroke:var(--fg);stroke-width:1;stroke-dasharray:2 3;opacity:.7}
.chart .decision.good{stroke:var(--good)}.chart .decision.bad{stroke:var(--bad)}
.decision-mark{--mark:var(--fg)}.decision-mark.good{--mark:var(--good)}.decision-mark.bad{--mark:var(--bad)}
.chart .whisker{stroke:var(--mark);stroke-width:2}
.chart .decision-dot{fill:var(--mark);stroke:var(--panel);stroke-width:1.5}
.chart text.decision-label{font-weight:700;fill:var(--mark)}
.chart .crossing{fill:none;stroke:var(--lower);stroke-width:2}
.chart text.cross-label{fill:var(--lower);font-weight:600;paint-order:stroke;stroke:var(--panel);stroke-width:3px;stroke-linejoin:round}
.evidence{margin:2px 0 4px;font-variant-numeric:tabular-nums}.evidence .rule{color:var(--dim)}
.evidence.bad b{color:var(--bad)}.evidence.good b{color:var(--good)}
.why{margin:0 0 6px;padding-left:18px;font-size:13px}.why li{margin:1px 0}
.record{font-size:12px;margin:4px 0}.record dl{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(230px,100%),1fr));gap:0 14px;margin:4px 0}
.record dl div{display:flex;gap:6px;min-width:0}.record dt{color:var(--dim)}.record dd{margin:0;overflow-wrap:anywhere}
.record .extra dt{color:var(--accent)}
.chart .bar{fill:var(--accent)}
.chart-empty{padding:18px;border:1px dashed var(--line);border-radius:6px;color:var(--dim);text-align:center}
.legend{display:flex;gap:4px 14px;flex-wrap:wrap;align-items:center;color:var(--dim);font-size:12px}
.key{display:inline-block;width:18px;height:0;margin-right:4px;vertical-align:middle;border-top:2px solid var(--accent)}
.key.band{height:10px;border:none;background:var(--band)}.key.threshold{border-top:2px dashed var(--thr)}
.key.lower{border-top-color:var(--lower)}
.key.crossing{width:10px;height:10px;border:2px solid var(--lower);border-radius:50%}
.key.decision{width:0;height:12px;border-top:none;border-left:2px solid var(--fg)}
.more{color:var(--dim);margin:4px 0 0}
.health-figure{margin:16px 0 6px;padding-top:8px;border-top:1px solid var(--line)}
.health-figure .chart{max-width:640px}
.chart .stage-label{fill:var(--fg);font-size:12px;font-weight:600}.chart .dim-text{fill:var(--dim);font-weight:400}
.chart text.seg-label{fill:var(--panel);font-size:11px;font-weight:600;pointer-events:none}
.chart text.seg-label.unjudged,.chart text.seg-label.open,.chart text.seg-label.rbopen{fill:var(--fg)}
.seg.healthy{fill:var(--good);background:var(--good)}.seg.unjudged{fill:var(--unjudged);background:var(--unjudged)}
.seg.unhealthy{fill:var(--unhealthy);background:var(--unhealthy)}.seg.failed,.seg.rbfailed{fill:var(--bad);background:var(--bad)}
.seg.open,.seg.rbopen{fill:var(--open);background:var(--open)}.seg.rolledback{fill:var(--accent);background:var(--accent)}
.seg.unreached{fill:var(--lower);background:var(--lower)}
.key.seg{width:14px;height:10px;border:none;border-radius:2px}
.examples{margin:4px 0;padding-left:18px}.examples li{margin:1px 0;overflow-wrap:anywhere}
.two{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(380px,100%),1fr));gap:0 24px}
.two>*{min-width:0}
pre{background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:10px;overflow:auto;max-height:480px;font-size:12px}
summary{cursor:pointer;font-weight:600}
@media (max-width:900px){
table.stack thead{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%)}
table.stack,table.stack tbody,table.stack tfoot,table.stack tr,table.stack td{display:block;width:100%}
table.stack tr{border:1px solid var(--line);border-radius:6px;margin:0 0 8px;padding:4px 10px}
table.stack td{display:flex;justify-content:space-between;align-items:baseline;gap:12px;border:0;padding:2px 0;
text-align:right;white-space:normal;overflow-wrap:anywhere}
table.stack td::before{content:attr(data-label);color:var(--dim);font-size:12px;text-align:left;flex:none}
table.stack td>*{min-width:0}table.stack code{white-space:normal}
}
@media (max-width:600px){
main{padding:14px 12px 32px}h1{font-size:22px}
.rollout{padding:4px 10px 10px}
.chart text{font-size:13px}
}
`;
