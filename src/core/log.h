/*
 * log.h - structured logging: one JSON object per line on stderr (or a file).
 *
 * Never log a request body, a password, a token or a passcode.
 */
#ifndef COMMUNE_CORE_LOG_H
#define COMMUNE_CORE_LOG_H

#include <stdio.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* log_set_output - where lines go (default stderr); NULL silences. */
void log_set_output(FILE *f);

/* log_set_level - lines below level are dropped (default LOG_INFO). */
void log_set_level(enum log_level level);

/* log_msg - logs {"time","level","msg"} with msg formatted. */
void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* log_line - writes one already-formatted JSON line atomically. */
void log_line(const char *json_line);

#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

#endif
