/*
 * enedis_head.h - the header block that opens every Enedis customer-area
 * CSV export (load curve, daily index):
 *
 *   Identifiant PRM;Type de donnees;...;Unite;Pas en minutes
 *   12345678901234;Courbe de charge;...;W;30
 *
 * read once here for the formats that share it (enedis_csv.c,
 * enedis_index.c), which then check the values that concern them.
 */
#ifndef COMMUNE_IMPORT_ENEDIS_HEAD_H
#define COMMUNE_IMPORT_ENEDIS_HEAD_H

#include "import/import.h"

struct enedis_head {
	char prm[32];                    /* Identifiant PRM, as written (masked ones exist) */
	char type[80];                   /* Type de donnees */
	char unit[16];                   /* Unite, "" when there is no such column */
	char step[16];                   /* Pas en minutes, "" when there is none */
};

/* enedis_split - splits line at ';' in place; the field count (at most max). */
size_t enedis_split(char *line, char **fields, size_t max);

/* enedis_head_read - the names line and the values line (lines 1 and 2):
 * an empty file, names without Identifiant PRM or Type de donnees, no
 * values line, or fewer values than names are errors (line 1 or 2), as is
 * a file that starts with its data table (Horodate;...). */
enum cmn_rc enedis_head_read(struct import_job *j, struct import_input *in,
			     struct enedis_head *h);

#endif
