// chart.mjs - a time-series chart drawn with uPlot, which is loaded (with
// its stylesheet) only when a chart is first shown. Drag across the chart
// to zoom on a period; the caller offers a table of the same figures.
import { useEffect, useRef } from 'preact/hooks';
import { html } from './html.mjs';
import { t, locale } from './i18n.mjs';

let uplotPromise = null;

/* loadUPlot - the uPlot module, its stylesheet added to the page once. */
function loadUPlot() {
	if (!uplotPromise) {
		const css = document.createElement('link');
		css.rel = 'stylesheet';
		css.href = '/vendor/uplot.css';
		document.head.appendChild(css);
		uplotPromise = import('uplot').then((m) => m.default);
	}
	return uplotPromise;
}

/*
 * Chart - points = [{x: ms, y: number}]; `label` names the curve and its
 * unit; onZoom(fromMs, toMs) is told of the period chosen by dragging.
 */
export function Chart({ points, label, unit, bars, onZoom, describedBy }) {
	const box = useRef(null);
	const plot = useRef(null);
	const zoomRef = useRef(onZoom);
	zoomRef.current = onZoom;
	useEffect(() => {
		let live = true;
		let observer = null;
		loadUPlot().then((UPlot) => {
			if (!live || !box.current)
				return;
			const nf = new Intl.NumberFormat(locale(), { maximumFractionDigits: 2 });
			const width = Math.max(280, box.current.clientWidth - 16);
			const opts = {
				width,
				height: 300,
				scales: { x: { time: true } },
				cursor: { drag: { x: true, y: false } },
				legend: { show: true },
				series: [
					{ label: t('chart.time') },
					{
						label: `${label} (${unit})`, stroke: '#0b5cab', width: 1.5,
						fill: bars ? 'rgba(11,92,171,0.35)' : 'rgba(11,92,171,0.08)',
						paths: bars && UPlot.paths.bars ? UPlot.paths.bars({ size: [0.8, 40] }) : undefined,
						value: (u, v) => (v == null ? '—' : `${nf.format(v)} ${unit}`),
					},
				],
				axes: [{ stroke: '#1b1f24' }, { stroke: '#1b1f24', values: (u, vals) => vals.map((v) => nf.format(v)), size: 70 }],
				hooks: {
					setSelect: [(u) => {
						if (u.select.width > 2 && zoomRef.current) {
							const a = u.posToVal(u.select.left, 'x') * 1000;
							const b = u.posToVal(u.select.left + u.select.width, 'x') * 1000;
							zoomRef.current(a, b);
						}
					}],
				},
			};
			const data = [points.map((p) => p.x / 1000), points.map((p) => p.y)];
			plot.current = new UPlot(opts, data, box.current);
			observer = new ResizeObserver(() => {
				if (plot.current && box.current)
					plot.current.setSize({ width: Math.max(280, box.current.clientWidth - 16), height: 300 });
			});
			observer.observe(box.current);
		});
		return () => {
			live = false;
			if (observer)
				observer.disconnect();
			if (plot.current)
				plot.current.destroy();
			plot.current = null;
		};
	}, [points, label, unit, bars]);
	return html`<figure class="chart" aria-describedby=${describedBy}>
		<div ref=${box} role="img" aria-label=${t('chart.aria', { label, n: points.length })}></div>
		<figcaption class="muted">${t('chart.help')}</figcaption>
	</figure>`;
}
