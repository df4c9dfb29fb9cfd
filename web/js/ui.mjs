// ui.mjs - small pieces every page uses: loading data, showing a problem in
// plain words, an async status line, a two-step confirmation, a page title.
import { useState, useEffect, useRef, useCallback } from 'preact/hooks';
import { html } from './html.mjs';
import { t, has } from './i18n.mjs';

/*
 * useLoad - run `load` (an async function) now and whenever deps change;
 * gives {data, error, loading, reload}. An answer that arrives after the
 * deps changed is dropped.
 */
export function useLoad(load, deps) {
	const [state, setState] = useState({ data: null, error: null, loading: true });
	const [tick, setTick] = useState(0);
	useEffect(() => {
		let live = true;
		setState((s) => ({ ...s, loading: true, error: null }));
		load().then((data) => live && setState({ data, error: null, loading: false }),
			(error) => live && setState({ data: null, error, loading: false }));
		return () => { live = false; };
	}, [...deps, tick]);
	const reload = useCallback(() => setTick((n) => n + 1), []);
	return { ...state, reload };
}

/* problemLines - an ApiError (or any error) as sentences for people. */
export function problemLines(err) {
	const p = err?.problem || {};
	const kind = err?.kind || 'unknown';
	const lines = [has(`problem.${kind}`) ? t(`problem.${kind}`) : t('problem.unknown', { status: err?.status ?? '?' })];
	if (p.line != null)
		lines.push(p.column != null ? t('problem.at_line_column', { line: p.line, column: p.column }) : t('problem.at_line', { line: p.line }));
	if (p.pointer)
		lines.push(t('problem.at_pointer', { pointer: p.pointer }));
	if (p.parameter)
		lines.push(t('problem.parameter', { parameter: p.parameter }));
	if (p.detail && kind !== 'network')
		lines.push(t('problem.detail', { detail: p.detail }));
	for (const e of (p.errors || []).slice(0, 8))
		lines.push(`${e.pointer || '/'} : ${e.detail}`);
	if (p['retry-after'] || p.retry_after)
		lines.push(t('problem.retry_after', { s: p['retry-after'] || p.retry_after }));
	return lines;
}

/* Problem - an error shown at once to screen readers (role="alert"). */
export function Problem({ error }) {
	if (!error)
		return null;
	const [first, ...rest] = problemLines(error);
	return html`<div class="problem" role="alert">
		<p><strong>${first}</strong></p>
		${rest.length ? html`<ul>${rest.map((l) => html`<li>${l}</li>`)}</ul>` : null}
	</div>`;
}

export function Loading() {
	return html`<p class="loading" role="status">${t('common.loading')}</p>`;
}

/* Loaded - the usual three states of a useLoad result. */
export function Loaded({ state, children }) {
	if (state.loading && !state.data)
		return html`<${Loading} />`;
	if (state.error)
		return html`<${Problem} error=${state.error} />`;
	return children(state.data);
}

/* Live - a polite live region: what an action did, read out when it changes. */
export function Live({ text }) {
	return html`<p class="live" role="status" aria-live="polite">${text || ''}</p>`;
}

/*
 * Confirm - a button that asks before acting: the first press shows the
 * question with "confirm" and "cancel", focused on cancel, so a stray Enter
 * does nothing; Escape cancels.
 */
export function Confirm({ label, question, confirmLabel, onConfirm, danger, disabled }) {
	const [asking, setAsking] = useState(false);
	const [busy, setBusy] = useState(false);
	const cancelRef = useRef(null);
	const openRef = useRef(null);
	useEffect(() => {
		if (asking && cancelRef.current)
			cancelRef.current.focus();
	}, [asking]);
	const cancel = () => {
		setAsking(false);
		setTimeout(() => openRef.current && openRef.current.focus(), 0);
	};
	const go = async () => {
		setBusy(true);
		try {
			await onConfirm();
		} finally {
			setBusy(false);
			setAsking(false);
		}
	};
	if (!asking)
		return html`<button type="button" ref=${openRef} class=${danger ? 'danger' : ''} disabled=${disabled}
			onClick=${() => setAsking(true)}>${label}</button>`;
	return html`<div class="confirm" role="group" aria-label=${question}
			onKeyDown=${(e) => e.key === 'Escape' && cancel()}>
		<p>${question}</p>
		<button type="button" class=${danger ? 'danger' : 'primary'} disabled=${busy} onClick=${go}>${confirmLabel}</button>
		<button type="button" ref=${cancelRef} onClick=${cancel}>${t('common.cancel')}</button>
	</div>`;
}

/* Page - a page's one h1 (focusable, so navigation can move focus to it). */
export function Page({ title, children, intro }) {
	useEffect(() => {
		document.title = `${title} · commune`;
	}, [title]);
	return html`<div class="page">
		<h1 tabindex="-1">${title}</h1>
		${intro ? html`<p class="intro">${intro}</p>` : null}
		${children}
	</div>`;
}

/* link - the href of a route of the application. */
export function link(path, query) {
	const q = new URLSearchParams();
	for (const [k, v] of Object.entries(query || {}))
		if (v !== undefined && v !== null && v !== '')
			q.set(k, v);
	const s = q.toString();
	return `#/${path}${s ? `?${s}` : ''}`;
}
