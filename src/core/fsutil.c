/*
 * fsutil.c - what makes a file's creation durable.
 */
#include "core/fsutil.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/str.h"

enum cmn_rc fs_sync_dir_of(const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	enum cmn_rc rc = CMN_OK;
	int fd;

	if (!slash)
		str_copy(dir, sizeof(dir), ".");
	else if ((size_t)(slash - path) >= sizeof(dir))
		return CMN_ERR_TOO_LARGE;
	else
		snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 : (int)(slash - path), path);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return CMN_ERR_IO;
	if (fsync(fd) != 0)
		rc = CMN_ERR_IO;
	close(fd);
	return rc;
}
