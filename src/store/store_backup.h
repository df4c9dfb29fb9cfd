/*
 * store_backup.h - backups of a territory or of one person's store, and
 * their restore (docs/backup.md).
 *
 * A backup is a new directory: the files of the data directory it covers,
 * each store copied in one read transaction (consistent while a server
 * writes on), and backup.json, which lists every file with its size and
 * SHA-256. A restore checks all of them before it changes anything.
 */
#ifndef COMMUNE_STORE_STORE_BACKUP_H
#define COMMUNE_STORE_STORE_BACKUP_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define BACKUP_MANIFEST "backup.json"

struct backup_stats {
	int stores;                       /* SQLite files: the platform's, the persons' */
	int blobs;                        /* encrypted files of the persons' blobs */
	uint64_t bytes;                   /* in all, the key and the manifest aside */
	char person_id[CRYPT_ID_LEN];     /* of a person's backup, else "" */
};

/* store_backup - copies the territory (person_id NULL: its master key, the
 * platform store, every person's store and blobs) or one person's store
 * and blobs into dir, which must not exist. On failure dir is removed and
 * why says what went wrong. */
enum cmn_rc store_backup(struct store *s, const char *person_id, const char *dir,
			 struct backup_stats *st, char *why, size_t whylen);

/* backup_restore_territory - checks the territory backup in dir and copies
 * it into data_dir, which must not exist or be empty (made in a sibling
 * directory, then renamed). Nothing is written when a check fails. */
enum cmn_rc backup_restore_territory(const char *dir, const char *data_dir,
				     struct backup_stats *st, char *why, size_t whylen);

/* store_restore_person - checks a person's backup in dir and puts it in
 * place of that person's store, who must exist in s (a server may be
 * running: the store is replaced in one write transaction); then appends
 * "store.restore" by actor to the restored audit chain and removes the
 * blob files the restored store does not name. */
enum cmn_rc store_restore_person(struct store *s, const char *dir, const char *actor,
				 struct backup_stats *st, char *why, size_t whylen);

#endif
