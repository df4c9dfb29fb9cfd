// login.mjs - the login form: handle and password; a failure is said in an
// alert and the form stays.
import { useState, useRef, useEffect } from 'preact/hooks';
import { html } from '../html.mjs';
import { api } from '../api.mjs';
import { t } from '../i18n.mjs';

export function Login({ onLoggedIn }) {
	const [error, setError] = useState('');
	const [busy, setBusy] = useState(false);
	const handleRef = useRef(null);
	useEffect(() => {
		document.title = `${t('login.title')} · commune`;
	}, []);

	const submit = async (e) => {
		e.preventDefault();
		const form = new FormData(e.currentTarget);
		setBusy(true);
		setError('');
		try {
			const answer = await api('/auth/login', {
				method: 'POST',
				body: { handle: String(form.get('handle')).trim(), password: String(form.get('password')) },
			});
			onLoggedIn(answer);
		} catch (err) {
			const key = err.status === 429 ? 'login.limited' : err.status === 403 ? 'login.disabled' :
				err.status === 0 ? 'problem.network' : err.status === 401 || err.status === 400 ? 'login.failed' : 'problem.unknown';
			setError(t(key, { status: err.status }));
			if (handleRef.current)
				handleRef.current.focus();
		} finally {
			setBusy(false);
		}
	};

	return html`<div class="page login">
		<h1 tabindex="-1">${t('login.title')}</h1>
		<p class="intro">${t('login.intro')}</p>
		<form onSubmit=${submit} class="card form" novalidate>
			<div class="field">
				<label for="login-handle">${t('login.handle')}</label>
				<input id="login-handle" name="handle" ref=${handleRef} autocomplete="username" autocapitalize="none"
					spellcheck="false" required aria-describedby=${error ? 'login-error' : undefined} />
			</div>
			<div class="field">
				<label for="login-password">${t('login.password')}</label>
				<input id="login-password" name="password" type="password" autocomplete="current-password" required />
			</div>
			${error ? html`<p id="login-error" class="problem" role="alert">${error}</p>` : null}
			<button type="submit" class="primary" disabled=${busy}>${t('login.submit')}</button>
		</form>
	</div>`;
}
