/*
 * log.c - JSON line logger of log.h.
 */
#include "core/log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/timeutil.h"

static FILE *log_out;
static bool log_out_set;
static enum log_level log_min = LOG_INFO;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

void log_set_output(FILE *f)
{
	log_out = f;
	log_out_set = true;
}

void log_set_level(enum log_level level)
{
	log_min = level;
}

static FILE *output(void)
{
	return log_out_set ? log_out : stderr;
}

void log_line(const char *json_line)
{
	FILE *f = output();

	if (!f)
		return;
	size_t n = strlen(json_line);
	char small[1024];
	char *line = n + 2 <= sizeof(small) ? small : malloc(n + 2);

	if (!line)
		return;
	/* one buffer, one write: lines from threads never interleave */
	memcpy(line, json_line, n + 1);
	line[n] = '\n';
	line[n + 1] = '\0';
	pthread_mutex_lock(&log_lock);
	fwrite(line, 1, n + 1, f);
	fflush(f);
	pthread_mutex_unlock(&log_lock);
	if (line != small)
		free(line);
}

/* escape - appends s as the inside of a JSON string. */
static void escape(struct buf *b, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			buf_printf(b, "\\%c", c);
		else if (c < 0x20)
			buf_printf(b, "\\u%04x", c);
		else
			buf_append(b, s, 1);
	}
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	static const char *names[] = {"debug", "info", "warn", "error"};
	char now[TIME_RFC3339_LEN], msg[1024];
	struct buf b;
	va_list ap;

	if (level < log_min || !output())
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	time_format(now, time_now_ms());
	buf_init(&b, 4096);
	buf_printf(&b, "{\"time\":\"%s\",\"level\":\"%s\",\"msg\":\"", now, names[level]);
	escape(&b, msg);
	buf_puts(&b, "\"}");
	if (b.data)
		log_line(b.data);
	buf_release(&b);
}
