// shares.mjs - what I show to a professional (a social worker, a mediator):
// make a share of chosen kinds of data, for a purpose, until a date, with
// an optional passcode; see how often it was viewed; revoke it at once.
import { useState } from 'preact/hooks';
import { html } from '../html.mjs';
import { api } from '../api.mjs';
import { t, tn, pick, formatDate, formatDateTime } from '../i18n.mjs';
import { useLoad, Loaded, Page, Problem, Live, Confirm } from '../ui.mjs';
import { granteeText } from './consents.mjs';
import { isoDate } from '../series.mjs';

function NewShare({ doctypes, onMade }) {
	const inAMonth = isoDate(new Date(Date.now() + 30 * 86400000));
	const [form, setForm] = useState({ handle: '', purpose: '', until: inAMonth, passcode: '', chosen: [] });
	const [error, setError] = useState(null);
	const set = (k) => (e) => setForm({ ...form, [k]: e.currentTarget.value });
	const toggle = (name) => setForm({ ...form, chosen: form.chosen.includes(name) ? form.chosen.filter((n) => n !== name) : [...form.chosen, name] });
	const send = async (e) => {
		e.preventDefault();
		setError(null);
		const body = {
			with: { kind: 'person', handle: form.handle.trim() },
			doctypes: form.chosen,
			until: form.until,
			purpose: { fr: form.purpose, en: form.purpose },
		};
		if (form.passcode)
			body.passcode = form.passcode;
		try {
			await api('/shares', { method: 'POST', body });
			setForm({ handle: '', purpose: '', until: inAMonth, passcode: '', chosen: [] });
			onMade(t('share.made', { handle: body.with.handle }));
		} catch (err) {
			setError(err);
		}
	};
	return html`<form class="card" onSubmit=${send} aria-labelledby="new-share-title">
		<h2 id="new-share-title">${t('share.new')}</h2>
		<div class="field"><label for="share-handle">${t('share.with')}</label>
			<input id="share-handle" required autocomplete="off" value=${form.handle} onInput=${set('handle')} /></div>
		<div class="field"><label for="share-purpose">${t('share.purpose')}</label>
			<input id="share-purpose" required maxlength="1000" value=${form.purpose} onInput=${set('purpose')} /></div>
		<fieldset>
			<legend>${t('share.what')}</legend>
			${doctypes.map((d) => html`<div class="field inline">
				<input type="checkbox" id=${`share-dt-${d.name}`} checked=${form.chosen.includes(d.name)} onChange=${() => toggle(d.name)} />
				<label for=${`share-dt-${d.name}`}>${pick(d.title)}</label></div>`)}
		</fieldset>
		<div class="controls">
			<div class="field"><label for="share-until">${t('share.until')}</label>
				<input id="share-until" type="date" required value=${form.until} onInput=${set('until')} /></div>
			<div class="field"><label for="share-passcode">${t('share.passcode')}</label>
				<input id="share-passcode" type="text" autocomplete="off" minlength="6" value=${form.passcode} onInput=${set('passcode')}
					aria-describedby="share-passcode-help" />
				<span id="share-passcode-help" class="muted">${t('share.passcode_help')}</span></div>
		</div>
		<${Problem} error=${error} />
		<button type="submit" class="primary" disabled=${!form.chosen.length || !form.handle.trim() || !form.purpose.trim()}>${t('share.create')}</button>
	</form>`;
}

export default function Shares() {
	const state = useLoad(() => Promise.all([api('/shares'), api('/doctypes')]), []);
	const [live, setLive] = useState('');
	const [error, setError] = useState(null);
	const changed = (msg) => {
		setLive(msg);
		state.reload();
	};
	const revoke = async (s) => {
		setError(null);
		try {
			await api(`/shares/${s.id}`, { method: 'DELETE' });
			changed(t('share.revoked', { grantee: granteeText(s.grantee) }));
		} catch (err) {
			setError(err);
		}
	};
	return html`<${Page} title=${t('share.title')} intro=${t('share.intro')}>
		<${Live} text=${live} />
		<${Problem} error=${error} />
		<${Loaded} state=${state}>${([shares, dts]) => {
			const documents = dts.items.filter((d) => d.kind === 'document');
			const title = (n) => pick((dts.items.find((d) => d.name === n) || {}).title) || n;
			const running = shares.items.filter((s) => s.status === 'given');
			return html`
				<h2>${t('share.running')}</h2>
				${!running.length ? html`<p>${t('share.none')}</p>` : html`<ul class="plain">${running.map((s) => html`<li class="card">
					<h3>${granteeText(s.grantee)}</h3>
					<dl class="facts">
						<dt>${t('consent.purpose')}</dt><dd>${pick(s.purpose.text)}</dd>
						<dt>${t('consent.data')}</dt><dd>${(s.scope.doctypes || []).map(title).join(', ') || t('share.chosen_records')}</dd>
						<dt>${t('consent.until')}</dt><dd>${formatDate(s.valid_until)}</dd>
						<dt>${t('share.protected')}</dt><dd>${s.share && s.share.passcode ? t('common.yes') : t('common.no')}</dd>
						<dt>${t('consent.uses')}</dt><dd>${tn('consent.uses_value', s.uses || 0)}${s.last_used ? ` · ${t('consent.last_used', { when: formatDateTime(s.last_used) })}` : ''}</dd>
					</dl>
					<${Confirm} danger label=${t('share.revoke')} question=${t('share.revoke_q', { grantee: granteeText(s.grantee) })}
						confirmLabel=${t('share.revoke_yes')} onConfirm=${() => revoke(s)} />
				</li>`)}</ul>`}
				<${NewShare} doctypes=${documents} onMade=${changed} />`;
		}}<//>
	<//>`;
}
