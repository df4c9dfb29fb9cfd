/*
 * fsutil.c - what makes a file's creation durable.
 */
#include "core/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

enum cmn_rc fs_write_all(int fd, const void *p, size_t n)
{
	const unsigned char *b = p;

	while (n) {
		ssize_t put = write(fd, b, n);

		if (put < 0 && errno == EINTR)
			continue;
		if (put <= 0)
			return CMN_ERR_IO;
		b += put;
		n -= (size_t)put;
	}
	return CMN_OK;
}

enum cmn_rc fs_read_file(int fd, unsigned char **out, size_t *n)
{
	struct stat st;
	unsigned char *b;
	size_t got = 0;

	*out = NULL;
	*n = 0;
	if (fstat(fd, &st) != 0 || st.st_size < 0)
		return CMN_ERR_IO;
	if (!(b = malloc((size_t)st.st_size + 1)))
		return CMN_ERR_NOMEM;
	while (got < (size_t)st.st_size) {
		ssize_t r = pread(fd, b + got, (size_t)st.st_size - got, (off_t)got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			free(b);
			return CMN_ERR_IO;
		}
		got += (size_t)r;
	}
	*out = b;
	*n = got;
	return CMN_OK;
}

int fs_temp_beside(const char *path, char *tmp, size_t n)
{
	int fd;

	if ((size_t)snprintf(tmp, n, "%s.new-XXXXXX", path) >= n) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fd = mkstemp(tmp)) >= 0) /* mode 0600 */
		(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	return fd;
}

enum cmn_rc fs_publish(int fd, const char *tmp, const char *path)
{
	enum cmn_rc rc = fsync(fd) == 0 ? CMN_OK : CMN_ERR_IO;

	close(fd);
	if (rc == CMN_OK && link(tmp, path) != 0)
		rc = errno == EEXIST ? CMN_ERR_EXISTS : CMN_ERR_IO;
	unlink(tmp);
	return rc == CMN_OK ? fs_sync_dir_of(path) : rc;
}

enum cmn_rc fs_create_new(const char *path, const void *p, size_t n)
{
	char tmp[4200];
	int fd = fs_temp_beside(path, tmp, sizeof(tmp));
	enum cmn_rc rc;

	if (fd < 0)
		return errno == ENAMETOOLONG ? CMN_ERR_TOO_LARGE : CMN_ERR_IO;
	if ((rc = fs_write_all(fd, p, n)) != CMN_OK) {
		close(fd);
		unlink(tmp);
		return rc;
	}
	return fs_publish(fd, tmp, path);
}
