/*
 * fsutil.h - what makes a file's creation durable.
 */
#ifndef COMMUNE_CORE_FSUTIL_H
#define COMMUNE_CORE_FSUTIL_H

#include <stddef.h>

#include "core/result.h"

/* fs_sync_dir_of - fsyncs the directory that holds path, so that a file
 * just created, linked or renamed into it survives a crash. CMN_ERR_IO,
 * or CMN_ERR_TOO_LARGE for a directory name longer than PATH_MAX. */
enum cmn_rc fs_sync_dir_of(const char *path);

/* fs_temp_beside - a new empty file named path.new-XXXXXX (its name into
 * tmp, n bytes), mode 0600, open and closed on exec: its descriptor, or -1
 * (errno). */
int fs_temp_beside(const char *path, char *tmp, size_t n);

/* fs_publish - gives the file tmp, open as fd, the name path, durably:
 * syncs it, links it to path, which must not exist (CMN_ERR_EXISTS), and
 * syncs the directory. fd is closed and tmp removed in any case. */
enum cmn_rc fs_publish(int fd, const char *tmp, const char *path);

/* fs_create_new - a new file path of mode 0600 holding the n bytes at p,
 * whole or not at all (fs_temp_beside, then fs_publish). */
enum cmn_rc fs_create_new(const char *path, const void *p, size_t n);

/* fs_write_all - writes the n bytes at p to fd, again after a short write
 * or a signal. CMN_ERR_IO. */
enum cmn_rc fs_write_all(int fd, const void *p, size_t n);

/* fs_read_file - the whole of fd's file, from its start, into a new
 * buffer (*out, to free; *n bytes). CMN_ERR_IO, CMN_ERR_NOMEM. */
enum cmn_rc fs_read_file(int fd, unsigned char **out, size_t *n);

#endif
