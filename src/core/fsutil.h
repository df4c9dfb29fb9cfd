/*
 * fsutil.h - what makes a file's creation durable.
 */
#ifndef COMMUNE_CORE_FSUTIL_H
#define COMMUNE_CORE_FSUTIL_H

#include "core/result.h"

/* fs_sync_dir_of - fsyncs the directory that holds path, so that a file
 * just created, linked or renamed into it survives a crash. CMN_ERR_IO,
 * or CMN_ERR_TOO_LARGE for a directory name longer than PATH_MAX. */
enum cmn_rc fs_sync_dir_of(const char *path);

#endif
