// acting.mjs - a mediator acting for a person under a mandate: which
// mandate, kept for this tab; every page can tell, and the shell shows a
// permanent banner while it lasts.
const KEY = 'commune.acting';
const listeners = new Set();
let acting = null;
try {
	acting = JSON.parse(sessionStorage.getItem(KEY) || 'null');
} catch (e) {
	acting = null;
}

/* getActing - {mandate, person, procedures} or null. */
export function getActing() {
	return acting;
}

export function setActing(value) {
	acting = value;
	if (value)
		sessionStorage.setItem(KEY, JSON.stringify(value));
	else
		sessionStorage.removeItem(KEY);
	for (const fn of listeners)
		fn(acting);
}

export function onActing(fn) {
	listeners.add(fn);
	return () => listeners.delete(fn);
}

/* actingHeaders - the Commune-Consent header naming the mandate, if acting. */
export function actingHeaders() {
	return acting ? { 'Commune-Consent': acting.mandate } : undefined;
}
