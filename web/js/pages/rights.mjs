// rights.mjs - what my records entitle me to, and why: the territory's
// rules evaluated in my store (the facts used and the records they come
// from), an attestation of a right I have, and my attestations, whose
// token is presented as a QR code (js/qr.mjs) or copied as text.
import { useState } from 'preact/hooks';
import { html } from '../html.mjs';
import { api } from '../api.mjs';
import { t, pick, formatNumber, formatDate, formatDateTime } from '../i18n.mjs';
import { useLoad, Loaded, Page, Problem, Live, Confirm } from '../ui.mjs';
import { QrCode, qrFits } from '../qr.mjs';

const fact = (v) => (typeof v === 'number' ? formatNumber(v) : Array.isArray(v) ? (v.length ? v.join(', ') : '—') : String(v));

/* granted - what a rule grants, in words: its label (docs/rules.md), else its level. */
const granted = (g) => (typeof g !== 'object' ? fact(g) : g.label ? pick(g.label) : String(g.level || ''));

function Rule({ r, onIssued }) {
	const [error, setError] = useState(null);
	const issue = async () => {
		setError(null);
		try {
			await api('/attestations', { method: 'POST', body: { rule: r.id } });
			onIssued(t('rights.issued', { title: pick(r.title) }));
		} catch (err) {
			setError(err);
		}
	};
	const why = r.why || {};
	return html`<li class="card">
		<h3>${pick(r.title)} <span class=${`badge ${r.eligible ? 'ok' : 'off'}`}>${r.eligible ? t('rights.eligible') : t('rights.not_eligible')}</span></h3>
		${r.grants ? html`<p>${t('rights.grants', { grants: granted(r.grants) })}</p>` : null}
		<details>
			<summary>${t('rights.why')}</summary>
			<ul>${(why.facts || []).map((f) => html`<li>${t('rights.fact', { name: f.name, value: fact(f.value) })}
				${f.record ? html` <span class="muted">(${t('rights.from_record', { doctype: f.record.doctype })})</span>` : null}
				${f.approximation ? html` <span class="muted">(${t('rights.approx')})</span>` : null}</li>`)}
				${(why.missing || []).map((m) => html`<li>${t('rights.missing', { name: m.name || m })}</li>`)}
			</ul>
		</details>
		${r.eligible ? html`<button type="button" class="primary" onClick=${issue}>${t('rights.get')}</button>` : null}
		<${Problem} error=${error} />
	</li>`;
}

function Attestation({ a, title, onChange }) {
	const [token, setToken] = useState(null);
	const [copied, setCopied] = useState('');
	const [error, setError] = useState(null);
	const valid = a.status !== 'revoked';
	const show = async () => {
		setError(null);
		try {
			const full = await api(`/attestations/${a.id}`);
			setToken(full.sd_jwt || '');
		} catch (err) {
			setError(err);
		}
	};
	const copy = async () => {
		try {
			await navigator.clipboard.writeText(token);
			setCopied(t('rights.copied'));
		} catch (e) {
			setCopied(t('rights.copy_failed'));
		}
	};
	const name = title || a.rule;
	return html`<li class="card">
		<h3>${name} ${valid ? null : html`<span class="badge off">${t('rights.status_revoked')}</span>`}</h3>
		<p class="muted">${t('rights.issued_on', { when: formatDateTime(a.issued || a.created) })}${a.expires ? ` · ${t('rights.expires', { when: formatDate(a.expires) })}` : ''}</p>
		${valid ? html`<div class="actions">
			${token === null ? html`<button type="button" onClick=${show}>${t('rights.show_token')}</button>` : null}
			<${Confirm} danger label=${t('rights.revoke')} question=${t('rights.revoke_q')} confirmLabel=${t('rights.revoke_yes')}
				onConfirm=${async () => { await api(`/attestations/${a.id}`, { method: 'DELETE' }); onChange(t('rights.revoked')); }} />
		</div>` : null}
		<${Problem} error=${error} />
		${valid && token !== null ? html`<figure class="qr-box">
			${qrFits(token) ? html`<${QrCode} text=${token} label=${t('rights.qr_label', { title: name })} />
				<figcaption>${t('rights.qr_help')}</figcaption>` : html`<figcaption>${t('rights.qr_too_long')}</figcaption>`}
		</figure>
		<div class="field"><label for=${`tok-${a.id}`}>${t('rights.token')}</label>
			<textarea id=${`tok-${a.id}`} class="code" readonly value=${token}></textarea>
			<button type="button" onClick=${copy}>${t('rights.copy')}</button><${Live} text=${copied} /></div>` : null}
	</li>`;
}

export default function Rights() {
	const sim = useLoad(() => api('/eligibility/simulate', { method: 'POST', body: {} }), []);
	const mine = useLoad(() => api('/attestations'), []);
	const [live, setLive] = useState('');
	const changed = (msg) => {
		setLive(msg);
		mine.reload();
	};
	/* the list names each attestation by its rule: the rules' titles, once simulated */
	const titles = {};
	for (const r of (sim.data && sim.data.items) || [])
		titles[r.id] = pick(r.title);
	return html`<${Page} title=${t('rights.title')} intro=${t('rights.intro')}>
		<${Live} text=${live} />
		<section aria-labelledby="rules-title">
			<h2 id="rules-title">${t('rights.rules')}</h2>
			<${Loaded} state=${sim}>${(r) => html`<ul class="plain">${r.items.map((x) => html`<${Rule} key=${x.id} r=${x} onIssued=${changed} />`)}</ul>`}<//>
		</section>
		<section aria-labelledby="mine-title">
			<h2 id="mine-title">${t('rights.mine')}</h2>
			<${Loaded} state=${mine}>${(r) => !r.items.length ? html`<p>${t('rights.none')}</p>` :
				html`<ul class="plain">${r.items.map((a) => html`<${Attestation} key=${a.id} a=${a} title=${titles[a.rule]} onChange=${changed} />`)}</ul>`}<//>
		</section>
	<//>`;
}
