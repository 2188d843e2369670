/**
 * Renders a RunReport as one self-contained HTML page (inline CSS and SVG, no scripts or external
 * resources). Every string from the report is escaped: names come from device attributes and operators.
 */
import { esc } from './format';
import type { RunReport } from './model';
import { header, rollouts, summary } from './sections';
import { CSS } from './style';
import { audit, calls, delivery, grouping, phases, steps, tunnels } from './tables';

export const renderHtml = (report: RunReport): string => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${esc(`Run report: ${report.scenario.name} (seed ${report.scenario.seed})`)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
${header(report)}
${summary(report)}
${rollouts(report)}
${grouping(report)}
${tunnels(report)}
<section class="two">${audit(report)}<div>${delivery(report)}${calls(report)}${phases(report)}</div></section>
${steps(report)}
</main>
</body>
</html>
`;
