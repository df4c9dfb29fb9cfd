/*
 * form.c - application/x-www-form-urlencoded text. See form.h.
 */
#include "oauth/form.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/str.h"

/* decode - the n bytes at s into out (room for n + 1), well-formed UTF-8. */
static bool decode(const char *s, size_t n, char *out, size_t *len)
{
	return str_pct_decode(s, n, out, len) == CMN_OK && str_utf8_valid(out, *len);
}

enum cmn_rc oauth_form_parse(struct oauth_form *f, const char *s, size_t n, char *err,
			     size_t errlen)
{
	size_t at = 0, used = 0;
	char *out;

	memset(f, 0, sizeof(*f));
	err[0] = '\0';
	/* a kept piece name=value decodes to at most its own length plus one
	 * byte (its '=' pays for one NUL), so n + 2 bytes hold them all */
	if (!(f->mem = malloc(n + 2)))
		return CMN_ERR_NOMEM;
	out = f->mem;
	while (at < n) {
		const char *piece = s + at, *amp = memchr(piece, '&', n - at), *eq;
		size_t plen = amp ? (size_t)(amp - piece) : n - at, nlen, vlen, k;
		char *name, *value;

		at += plen + 1;
		if (plen == 0)
			continue;
		eq = memchr(piece, '=', plen);
		nlen = eq ? (size_t)(eq - piece) : plen;
		if (nlen == 0) {
			snprintf(err, errlen, "a parameter has no name");
			return CMN_ERR_INVALID;
		}
		name = out + used;
		if (!decode(piece, nlen, name, &k)) {
			snprintf(err, errlen, "a parameter name is not well encoded");
			return CMN_ERR_INVALID;
		}
		if (!eq)
			continue; /* no value: as if it were not there (RFC 6749 §3.1) */
		used += k + 1;
		value = out + used;
		vlen = plen - nlen - 1;
		if (!decode(eq + 1, vlen, value, &k)) {
			snprintf(err, errlen, "the value of %.64s is not well encoded", name);
			str_utf8_repair(err);
			return CMN_ERR_INVALID;
		}
		used += k + 1;
		if (k == 0)
			continue; /* an empty value: as if it were not there */
		for (size_t i = 0; i < f->n; i++) {
			if (strcmp(f->names[i], name) == 0) {
				snprintf(err, errlen, "%.64s is given more than once", name);
				str_utf8_repair(err);
				return CMN_ERR_INVALID;
			}
		}
		if (f->n == CMN_OAUTH_FORM_PAIRS) {
			snprintf(err, errlen, "more than %d parameters", CMN_OAUTH_FORM_PAIRS);
			return CMN_ERR_INVALID;
		}
		f->names[f->n] = name;
		f->values[f->n] = value;
		f->n++;
	}
	return CMN_OK;
}

const char *oauth_form_get(const struct oauth_form *f, const char *name)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->names[i], name) == 0)
			return f->values[i];
	return NULL;
}

void oauth_form_release(struct oauth_form *f)
{
	free(f->mem);
	memset(f, 0, sizeof(*f));
}
