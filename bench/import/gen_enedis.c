/*
 * gen_enedis.c - writes a large, valid Enedis load-curve CSV (UTF-8 with a
 * BOM, 30-minute values stamped at the end of each interval with their
 * Paris offset) for bench/import. Usage: gen_enedis YEARS > file.csv
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* paris_offset - +1 h, or +2 h between the last Sundays of March and
 * October at 01:00 UTC (the EU rule). */
static int paris_offset(int64_t t)
{
	time_t s = (time_t)t;
	struct tm tm;
	int y, last_mar, last_oct;
	int64_t start, end;

	gmtime_r(&s, &tm);
	y = tm.tm_year + 1900;
	/* day of week of 31 March and 31 October (Zeller-free: via timegm) */
	{
		struct tm m = {0};

		m.tm_year = y - 1900;
		m.tm_mon = 2;
		m.tm_mday = 31;
		timegm(&m);
		last_mar = 31 - m.tm_wday;
		m = (struct tm){0};
		m.tm_year = y - 1900;
		m.tm_mon = 9;
		m.tm_mday = 31;
		timegm(&m);
		last_oct = 31 - m.tm_wday;
	}
	{
		struct tm a = {.tm_year = y - 1900, .tm_mon = 2, .tm_mday = last_mar, .tm_hour = 1};
		struct tm b = {.tm_year = y - 1900, .tm_mon = 9, .tm_mday = last_oct, .tm_hour = 1};

		start = timegm(&a);
		end = timegm(&b);
	}
	return t >= start && t < end ? 7200 : 3600;
}

int main(int argc, char **argv)
{
	int years = argc > 1 ? atoi(argv[1]) : 10;
	int64_t t = 1262304000; /* 2010-01-01T00:00:00Z */
	int64_t n = (int64_t)years * 17520;
	uint32_t x = 12345;

	fputs("\xef\xbb\xbfIdentifiant PRM;Type de donnees;Date de debut;Date de fin;Grandeur physique;"
	      "Grandeur metier;Etape metier;Unite;Pas en minutes\n"
	      "12345678901234;Courbe de charge;01/01/2010;01/01/2110;Energie active;Consommation;"
	      "Comptage Brut;W;30\nHorodate;Valeur\n", stdout);
	for (int64_t i = 1; i <= n; i++) {
		int64_t end = t + i * 1800;
		int off = paris_offset(end);
		time_t local = (time_t)(end + off);
		struct tm tm;

		x = x * 1103515245u + 12345u;
		gmtime_r(&local, &tm);
		printf("%04d-%02d-%02dT%02d:%02d:%02d+%02d:00;%u\n", tm.tm_year + 1900, tm.tm_mon + 1,
		       tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, off / 3600, 200 + (x >> 16) % 3000);
	}
	return 0;
}
