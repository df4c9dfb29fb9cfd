/*
 * enedis_head.c - the header block of Enedis CSV exports (enedis_head.h).
 */
#include "import/enedis_head.h"

#include <string.h>

#include "core/str.h"

#define ENEDIS_HEAD_FIELDS 32

size_t enedis_split(char *line, char **fields, size_t max)
{
	size_t n = 0;
	char *p = line;

	while (n < max) {
		char *semi = strchr(p, ';');

		fields[n++] = p;
		if (!semi)
			break;
		*semi = '\0';
		p = semi + 1;
	}
	return n;
}

static int field_index(char **names, size_t n, const char *want)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], want) == 0)
			return (int)i;
	return -1;
}

enum cmn_rc enedis_head_read(struct import_job *j, struct import_input *in, struct enedis_head *h)
{
	char *names[ENEDIS_HEAD_FIELDS], *values[ENEDIS_HEAD_FIELDS];
	size_t nn, nv;
	int ip, it, iu, is;
	int r = import_read_line(j, in);

	memset(h, 0, sizeof(*h));
	if (r <= 0)
		return r == 0 ? import_fail(j, 1, 1, "the file is empty") : CMN_ERR_INVALID;
	{
		char names_line[IMPORT_LINE_MAX + 1];

		str_copy(names_line, sizeof(names_line), in->buf);
		nn = enedis_split(names_line, names, ENEDIS_HEAD_FIELDS);
		if (strcmp(names[0], "Horodate") == 0)
			return import_fail(j, 1, 1, "a Horodate table needs the Enedis header "
						    "block above it (Identifiant PRM;...)");
		ip = field_index(names, nn, "Identifiant PRM");
		it = field_index(names, nn, "Type de donnees");
		if (it < 0)
			it = field_index(names, nn, "Type de donn\xc3\xa9" "es");
		iu = field_index(names, nn, "Unite");
		is = field_index(names, nn, "Pas en minutes");
	}
	if (ip < 0 || it < 0)
		return import_fail(j, 1, 1, "expected the Enedis header: Identifiant PRM;Type de "
					    "donnees;...");
	r = import_read_line(j, in);
	if (r <= 0)
		return r == 0 ? import_fail(j, 2, 1, "the header has no values") : CMN_ERR_INVALID;
	nv = enedis_split(in->buf, values, ENEDIS_HEAD_FIELDS);
	if (nv < nn)
		return import_fail(j, 2, 1, "the header line has %zu fields, expected %zu", nv, nn);
	str_copy(h->prm, sizeof(h->prm), values[ip]);
	str_copy(h->type, sizeof(h->type), values[it]);
	if (iu >= 0)
		str_copy(h->unit, sizeof(h->unit), values[iu]);
	if (is >= 0)
		str_copy(h->step, sizeof(h->step), values[is]);
	return CMN_OK;
}
