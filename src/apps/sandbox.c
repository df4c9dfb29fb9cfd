/*
 * sandbox.c - an app's run: a fresh Lua state with an allow-listed
 * library, a capped allocator, an instruction and deadline hook, and the
 * host API (the global table `commune`) that reads and writes the
 * person's store within the manifest. See app.h and docs/apps.md.
 *
 * Host functions never let a Lua error cross store code: they gather
 * what they read into C memory first, then build Lua values in a
 * protected call (protected_push), and free the C memory either way.
 * A limit reached (memory, instructions, deadline) or a permission
 * refused marks the run as stopped; from then on every hook, host call
 * and pcall raises again, so no script can catch its way past it.
 */
#include "apps/app.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "core/buf.h"
#include "core/jsonparse.h"
#include "core/jsonput.h"
#include "core/jsontext.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "core/tz.h"
#include "record/schema.h"
#include "rules/rules.h"
#include "series/series.h"
#include "store/store_apps.h"

#define HOOK_EVERY 1000                   /* instructions between two hook calls */
#define RECORDS_PAGE_MAX 10000
#define POINTS_MAX SERIES_MAX_RAW
#define WRITES_MAX 100000                 /* records a run may write */
#define RESULT_MAX (64 * 1024)            /* bytes of run()'s result as JSON */
#define LOG_LINES 100
#define LOG_LINE_MAX 200
#define JSON_DEPTH_MAX 32
#define PATTERN_COST_MAX 1e9              /* worst-case steps of a Lua pattern match */

struct sandbox {
	lua_State *L;
	const struct app_package *p;
	const struct app_host *h;
	struct store *platform;           /* where loaded open datasets are, or NULL */
	struct app_run *out;
	size_t used, cap;
	uint64_t instructions;
	int64_t deadline_us;
	enum app_outcome stop;            /* APP_OK while the run may go on */
	char why[200];                    /* the reason of a stop */
	json_t *reads, *writes, *log;     /* for the audit entry and the report */
	bool replaced[APP_MAX_WRITE];     /* the previous run's records are gone */
	char source[APP_ID_MAX + 8];      /* "app:ID" */
};

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static struct sandbox *sandbox_of(lua_State *L)
{
	return *(struct sandbox **)lua_getextraspace(L);
}

/* stop - ends the run for good with outcome o and raises; every later
 * hook, host call and pcall raises again. */
static int stop(lua_State *L, enum app_outcome o, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int stop(lua_State *L, enum app_outcome o, const char *fmt, ...)
{
	struct sandbox *sb = sandbox_of(L);
	va_list ap;

	if (sb->stop == APP_OK) {
		sb->stop = o;
		va_start(ap, fmt);
		vsnprintf(sb->why, sizeof(sb->why), fmt, ap);
		va_end(ap);
	}
	lua_pushstring(L, sb->why);
	return lua_error(L);
}

/* ---- limits: memory, instructions, time ----------------------------------------- */

static void *capped_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	struct sandbox *sb = ud;
	size_t old = ptr ? osize : 0;
	void *q;

	if (nsize == 0) {
		sb->used -= old;
		free(ptr);
		return NULL;
	}
	/* refused: Lua collects its garbage and tries again, then raises a
	 * memory error (LUA_ERRMEM), which ends the run (memory_error) */
	if (nsize > old && sb->used + (nsize - old) > sb->cap)
		return NULL;
	q = realloc(ptr, nsize);
	if (!q)
		return NULL;
	sb->used = sb->used - old + nsize;
	if (sb->used > sb->out->mem_peak)
		sb->out->mem_peak = sb->used;
	return q;
}

static void hook(lua_State *L, lua_Debug *ar)
{
	struct sandbox *sb = sandbox_of(L);

	(void)ar;
	sb->instructions += HOOK_EVERY;
	if (sb->stop != APP_OK)
		stop(L, sb->stop, "%s", sb->why);
	if (sb->instructions > sb->p->m.instructions)
		stop(L, APP_ERR_INSTRUCTIONS, "over its instructions (%llu)",
		     (unsigned long long)sb->p->m.instructions);
	if (now_us() > sb->deadline_us)
		stop(L, APP_ERR_DEADLINE, "over its time (%lld ms)", (long long)sb->p->m.wall_ms);
}

/* checked - raises again when the run has stopped (a host call, a pcall). */
static void checked(lua_State *L)
{
	struct sandbox *sb = sandbox_of(L);

	if (sb->stop != APP_OK)
		stop(L, sb->stop, "%s", sb->why);
}

/* after_pcall - a protected call's status: a memory error or a stop
 * ends the run (raised again), anything else is the script's to handle */
static void after_pcall(lua_State *L, int status)
{
	struct sandbox *sb = sandbox_of(L);

	if (status == LUA_ERRMEM)
		stop(L, APP_ERR_MEMORY, "over its memory (%zu MiB)", sb->cap >> 20);
	checked(L);
}

/* pcall and xpcall that cannot swallow a stop */
static int finish_pcall(lua_State *L, int status, int extra)
{
	after_pcall(L, status);
	if (status != LUA_OK) {
		lua_pushboolean(L, 0);
		lua_pushvalue(L, -2);
		return 2;
	}
	return lua_gettop(L) - extra;
}

static int safe_pcall(lua_State *L)
{
	luaL_checkany(L, 1);
	checked(L);
	lua_pushboolean(L, 1); /* the first result, if all goes well */
	lua_insert(L, 1);
	return finish_pcall(L, lua_pcall(L, lua_gettop(L) - 2, LUA_MULTRET, 0), 0);
}

static int safe_xpcall(lua_State *L)
{
	int n = lua_gettop(L);

	luaL_checktype(L, 2, LUA_TFUNCTION);
	checked(L);
	lua_pushboolean(L, 1);
	lua_pushvalue(L, 1);
	lua_rotate(L, 3, 2); /* f, msgh, true, f, args... */
	return finish_pcall(L, lua_pcall(L, n - 2, LUA_MULTRET, 2), 2);
}

/* setmetatable without finalizers: a __gc would run outside the run's
 * limits, when the state closes */
static int safe_setmetatable(lua_State *L)
{
	if (lua_type(L, 2) == LUA_TTABLE && lua_getfield(L, 2, "__gc") != LUA_TNIL)
		return luaL_error(L, "__gc is not available to apps");
	lua_settop(L, 2);
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, 2, 1);
	return 1;
}

/* pattern_cost - the worst case of matching pattern p against a subject
 * of n bytes: n^(q+1) for q quantified items (n^q when anchored), since
 * Lua's matcher backtracks inside C, where no hook can stop it. */
static double pattern_cost(const char *p, size_t plen, size_t n)
{
	int q = 0;
	bool anchored = plen && p[0] == '^';

	for (size_t i = 0; i < plen; i++) {
		if (p[i] == '%' && i + 1 < plen) {
			if (p[i + 1] == 'b')
				q++;
			i++;
		} else if (strchr("*+-", p[i])) {
			q++;
		}
	}
	if (q == 0)
		return (double)n;
	return pow((double)(n ? n : 1), anchored ? q : q + 1);
}

/* guarded - string.find/match/gmatch/gsub, refused when the pattern could
 * backtrack too long on this subject */
static int guarded(lua_State *L)
{
	size_t n = 0, plen = 0;
	const char *p;

	luaL_checklstring(L, 1, &n);
	p = luaL_checklstring(L, 2, &plen);
	checked(L);
	/* string.find with plain = true does not match patterns */
	if (!(lua_toboolean(L, lua_upvalueindex(2)) && lua_toboolean(L, 4)) &&
	    pattern_cost(p, plen, n) > PATTERN_COST_MAX)
		return luaL_error(L, "this pattern could take too long on a subject of %I bytes:"
				     " use fewer repetitions or a shorter text", (lua_Integer)n);
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
	return lua_gettop(L);
}

static void guard_pattern(lua_State *L, const char *name, bool plain_arg)
{
	lua_getfield(L, -1, name);
	lua_pushboolean(L, plain_arg);
	lua_pushcclosure(L, guarded, 2);
	lua_setfield(L, -2, name);
}

/* open_safe - the allow-listed library of docs/apps.md */
static void open_safe(lua_State *L)
{
	static const char *const gone[] = {"dofile", "loadfile", "load", "collectgarbage", "print",
					   "require", "warn", NULL};

	luaL_requiref(L, LUA_GNAME, luaopen_base, 1);
	luaL_requiref(L, LUA_STRLIBNAME, luaopen_string, 1);
	luaL_requiref(L, LUA_TABLIBNAME, luaopen_table, 1);
	luaL_requiref(L, LUA_MATHLIBNAME, luaopen_math, 1);
	luaL_requiref(L, LUA_UTF8LIBNAME, luaopen_utf8, 1);
	lua_pop(L, 5);
	for (size_t i = 0; gone[i]; i++) {
		lua_pushnil(L);
		lua_setglobal(L, gone[i]);
	}
	lua_pushcfunction(L, safe_pcall);
	lua_setglobal(L, "pcall");
	lua_pushcfunction(L, safe_xpcall);
	lua_setglobal(L, "xpcall");
	lua_getglobal(L, "setmetatable");
	lua_pushcclosure(L, safe_setmetatable, 1);
	lua_setglobal(L, "setmetatable");
	lua_getglobal(L, LUA_STRLIBNAME);
	lua_pushnil(L);
	lua_setfield(L, -2, "dump"); /* bytecode out, so never bytecode in */
	guard_pattern(L, "find", true);
	guard_pattern(L, "match", false);
	guard_pattern(L, "gmatch", false);
	guard_pattern(L, "gsub", false);
	lua_pop(L, 1);
}

/* ---- JSON and Lua values -------------------------------------------------------- */

static void push_json(lua_State *L, const json_t *v, int depth)
{
	const char *key;
	json_t *x;
	size_t i;

	luaL_checkstack(L, 4, "too deep");
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		lua_createtable(L, 0, (int)json_object_size(v));
		json_object_foreach((json_t *)v, key, x) {
			push_json(L, x, depth + 1);
			lua_setfield(L, -2, key);
		}
		break;
	case JSON_ARRAY:
		lua_createtable(L, (int)json_array_size(v), 0);
		json_array_foreach(v, i, x) {
			push_json(L, x, depth + 1);
			lua_rawseti(L, -2, (lua_Integer)i + 1);
		}
		break;
	case JSON_STRING:
		lua_pushlstring(L, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		lua_pushinteger(L, (lua_Integer)json_integer_value(v));
		break;
	case JSON_REAL:
		lua_pushnumber(L, json_real_value(v));
		break;
	case JSON_TRUE:
	case JSON_FALSE:
		lua_pushboolean(L, json_is_true(v));
		break;
	default:
		lua_pushnil(L);
		break;
	}
}

/* to_json - the Lua value at idx as JSON: a table with keys 1..n is an
 * array, one with string keys an object; NULL with why when it cannot be
 * (a function, a cycle or too deep, NaN, text that is not UTF-8). */
static json_t *to_json(lua_State *L, int idx, int depth, const char **why)
{
	json_t *o;

	idx = lua_absindex(L, idx);
	switch (lua_type(L, idx)) {
	case LUA_TNIL:
		return json_null();
	case LUA_TBOOLEAN:
		return json_boolean(lua_toboolean(L, idx));
	case LUA_TNUMBER:
		if (lua_isinteger(L, idx))
			return json_integer((json_int_t)lua_tointeger(L, idx));
		if (!isfinite(lua_tonumber(L, idx))) {
			*why = "a number that is not finite";
			return NULL;
		}
		return json_real(lua_tonumber(L, idx));
	case LUA_TSTRING: {
		size_t n;
		const char *s = lua_tolstring(L, idx, &n);

		if (!(o = json_stringn(s, n)))
			*why = "text that is not UTF-8";
		return o;
	}
	case LUA_TTABLE:
		break;
	default:
		*why = "a value that is not data (a function?)";
		return NULL;
	}
	if (depth >= JSON_DEPTH_MAX) {
		*why = "tables nested too deep (or a cycle)";
		return NULL;
	}
	luaL_checkstack(L, 4, "too deep");
	{
		lua_Integer len = (lua_Integer)lua_rawlen(L, idx), count = 0;
		bool array = len > 0;

		lua_pushnil(L);
		while (lua_next(L, idx)) {
			count++;
			if (!lua_isinteger(L, -2))
				array = false;
			lua_pop(L, 1);
		}
		array = array && count == len;
		o = array ? json_array() : json_object();
		for (lua_Integer i = 1; o && array && i <= len; i++) {
			json_t *x;

			lua_rawgeti(L, idx, i);
			x = to_json(L, -1, depth + 1, why);
			lua_pop(L, 1);
			if (!x || json_array_append_new(o, x)) {
				json_decref(o);
				return NULL;
			}
		}
		if (array)
			return o;
		lua_pushnil(L);
		while (o && lua_next(L, idx)) {
			json_t *x;

			if (lua_type(L, -2) != LUA_TSTRING) {
				*why = "a table with keys that are neither 1..n nor text";
				lua_pop(L, 2);
				json_decref(o);
				return NULL;
			}
			x = to_json(L, -1, depth + 1, why);
			if (!x || json_object_set_new(o, lua_tostring(L, -2), x)) {
				lua_pop(L, 2);
				json_decref(o);
				return NULL;
			}
			lua_pop(L, 1);
		}
		return o;
	}
}

/* ---- gathered reads, built into Lua in a protected call --------------------------- */

/* protected_push - calls push(L) (which reads data through a light
 * userdata) protected; the caller frees data afterwards and the error,
 * if any, is raised again then. */
static void protected_push(lua_State *L, lua_CFunction push, void *data, int results,
			   void (*release)(void *), int *status)
{
	lua_pushcfunction(L, push);
	lua_pushlightuserdata(L, data);
	*status = lua_pcall(L, 1, results, 0);
	release(data);
	after_pcall(L, *status);
	if (*status != LUA_OK)
		lua_error(L);
}

/* count - adds n to counts[key], what the run's entry tells it read or
 * wrote. An entry must not tell less than the run did: when the count
 * cannot be kept (no memory for it), the run stops as on a failure of the
 * store. The stop is raised by the next hook or host call, or ends the run
 * when it returns, once the caller has freed what it holds. */
static void count(struct sandbox *sb, json_t *counts, const char *key, json_int_t n)
{
	json_t *v = json_object_get(counts, key);

	if (json_object_set_new(counts, key, json_integer(json_integer_value(v) + n)) != 0 &&
	    sb->stop == APP_OK) {
		sb->stop = APP_ERR_STORE;
		snprintf(sb->why, sizeof(sb->why), "out of memory");
	}
}

/* ---- commune.records -------------------------------------------------------------- */

struct record_row {
	char id[RECORD_ID_LEN];
	int64_t t;
	char *data;
};

struct record_page {
	const struct app_read *perm;
	struct record_row *rows;
	size_t n, limit;
	bool more;                        /* the store had one more row */
};

static void record_page_release(void *pv)
{
	struct record_page *pg = pv;

	for (size_t i = 0; i < pg->n; i++)
		free(pg->rows[i].data);
	free(pg->rows);
	pg->rows = NULL;
	pg->n = 0;
}

static enum cmn_rc gather_record(const struct record_meta *m, const char *data,
				 const struct query_value *key, void *pv)
{
	struct record_page *pg = pv;
	struct record_row *r = &pg->rows[pg->n];

	(void)key;
	if (pg->n == pg->limit) {
		pg->more = true;
		return CMN_OK;
	}
	str_copy(r->id, sizeof(r->id), m->id);
	r->t = m->t;
	if (!(r->data = strdup(data)))
		return CMN_ERR_NOMEM;
	pg->n++;
	return CMN_OK;
}

/* set_int, set_str - a field of the table on top of the stack */
static void set_int(lua_State *L, const char *key, lua_Integer v)
{
	lua_pushinteger(L, v);
	lua_setfield(L, -2, key);
}

static void set_str(lua_State *L, const char *key, const char *v)
{
	lua_pushstring(L, v);
	lua_setfield(L, -2, key);
}

static int push_records(lua_State *L)
{
	struct record_page *pg = lua_touserdata(L, 1);
	const struct app_read *perm = pg->perm;

	lua_createtable(L, (int)pg->n, 0);
	for (size_t i = 0; i < pg->n; i++) {
		json_t *data = json_parse_str(pg->rows[i].data);
		const char *key;
		json_t *v;
		void *tmp;

		if (!data)
			return luaL_error(L, "a record could not be read");
		/* only the fields the manifest asked for */
		json_object_foreach_safe(data, tmp, key, v) {
			size_t k = 0;

			(void)v;
			while (perm->nfields && k < perm->nfields && strcmp(perm->fields[k], key) != 0)
				k++;
			if (perm->nfields && k == perm->nfields)
				json_object_del(data, key);
		}
		lua_createtable(L, 0, 3);
		set_str(L, "id", pg->rows[i].id);
		if (pg->rows[i].t != INT64_MIN) {
			set_int(L, "t", pg->rows[i].t);
		}
		push_json(L, data, 0);
		json_decref(data);
		lua_setfield(L, -2, "data");
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	return 1;
}

static const struct app_read *read_perm(lua_State *L, const char *doctype)
{
	struct sandbox *sb = sandbox_of(L);

	for (size_t i = 0; i < sb->p->m.nread; i++)
		if (strcmp(sb->p->m.read[i].doctype, doctype) == 0)
			return &sb->p->m.read[i];
	stop(L, APP_ERR_PERMISSION, "%.64s is not among the doctypes the app may read", doctype);
	return NULL;
}

/* opt_time - a time option of t (RFC 3339 text or ms), or dflt. */
static int64_t opt_time(lua_State *L, int t, const char *key, int64_t dflt)
{
	int64_t v = dflt;

	if (lua_getfield(L, t, key) == LUA_TSTRING) {
		if (time_parse(lua_tostring(L, -1), true, &v) != CMN_OK)
			luaL_error(L, "%s: an RFC 3339 date or date-time is required", key);
	} else if (lua_isinteger(L, -1)) {
		v = lua_tointeger(L, -1);
	} else if (!lua_isnil(L, -1)) {
		luaL_error(L, "%s: a date or ms since the epoch is required", key);
	}
	lua_pop(L, 1);
	return v;
}

static int time_arg(lua_State *L, int i, int64_t *out)
{
	if (lua_isinteger(L, i)) {
		*out = lua_tointeger(L, i);
		return 0;
	}
	if (lua_type(L, i) == LUA_TSTRING && time_parse(lua_tostring(L, i), true, out) == CMN_OK)
		return 0;
	return luaL_argerror(L, i, "a date (RFC 3339) or ms since the epoch is required");
}

static int l_records(lua_State *L)
{
	struct sandbox *sb = sandbox_of(L);
	const char *doctype = luaL_checkstring(L, 1);
	const struct doctype *d;
	const struct app_read *perm;
	struct store_query q = {0};
	struct record_page pg = {0};
	char after_id[RECORD_ID_LEN] = "";
	int64_t after_t = 0;
	int status;
	enum cmn_rc rc;

	checked(L);
	perm = read_perm(L, doctype);
	d = registry_find(sb->h->reg, doctype);
	if (!d || strcmp(d->kind, "timeseries") == 0)
		return luaL_error(L, "%s is read with commune.series", doctype);
	if (!lua_isnoneornil(L, 2))
		luaL_checktype(L, 2, LUA_TTABLE);
	else
		lua_newtable(L);
	q.doctype = d->name;
	q.sort = d->time_field ? QSORT_TIME : QSORT_ID;
	q.from = opt_time(L, 2, "from", INT64_MIN);
	q.to = opt_time(L, 2, "to", INT64_MAX);
	q.has_from = q.from != INT64_MIN;
	q.has_to = q.to != INT64_MAX;
	lua_getfield(L, 2, "limit");
	pg.limit = (size_t)luaL_optinteger(L, -1, RECORDS_PAGE_MAX);
	lua_pop(L, 1);
	if (pg.limit < 1 || pg.limit > RECORDS_PAGE_MAX)
		return luaL_error(L, "limit: 1 to %d", RECORDS_PAGE_MAX);
	if (lua_getfield(L, 2, "after") == LUA_TSTRING) {
		/* the cursor of the previous page: "T:ID" (by time) or "ID" */
		const char *c = lua_tostring(L, -1), *colon = strchr(c, ':');

		if (q.sort == QSORT_TIME && colon) {
			after_t = strtoll(c, NULL, 10);
			str_copy(after_id, sizeof(after_id), colon + 1);
		} else if (q.sort == QSORT_ID) {
			str_copy(after_id, sizeof(after_id), c);
		}
		if (!after_id[0])
			return luaL_error(L, "after: the cursor of a previous page is required");
		q.has_after = true;
		q.after_key.type = QV_INT;
		q.after_key.i = after_t;
		str_copy(q.after_id, sizeof(q.after_id), after_id);
	}
	lua_pop(L, 1);
	q.limit = pg.limit + 1; /* one more tells whether a next page exists */
	luaL_checkstack(L, 8, "records");
	pg.perm = perm;
	if (!(pg.rows = calloc(pg.limit, sizeof(*pg.rows))))
		return stop(L, APP_ERR_STORE, "out of memory");
	rc = pstore_record_query(sb->h->ps, &q, gather_record, &pg);
	if (rc != CMN_OK) {
		record_page_release(&pg);
		if (rc == CMN_ERR_INVALID)
			return luaL_error(L, "after: not the cursor of a previous page");
		return stop(L, APP_ERR_STORE, "the store failed: %s", cmn_strerror(rc));
	}
	{
		char cursor[64] = "";
		bool more = pg.more;

		if (more && q.sort == QSORT_TIME)
			snprintf(cursor, sizeof(cursor), "%lld:%s", (long long)pg.rows[pg.n - 1].t,
				 pg.rows[pg.n - 1].id);
		else if (more)
			snprintf(cursor, sizeof(cursor), "%s", pg.rows[pg.n - 1].id);
		count(sb, sb->reads, doctype, (json_int_t)pg.n);
		sb->out->records_read += (int64_t)pg.n;
		protected_push(L, push_records, &pg, 1, record_page_release, &status);
		if (more)
			lua_pushstring(L, cursor);
		else
			lua_pushnil(L);
	}
	return 2;
}

/* ---- commune.series, points, buckets ------------------------------------------------ */

struct series_list {
	const char *doctype;
	struct series_def *v;
	size_t n, cap;
};

static void series_list_release(void *pv)
{
	struct series_list *l = pv;

	for (size_t i = 0; i < l->n; i++)
		series_def_release(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static enum cmn_rc gather_series(const struct series_def *d, void *pv)
{
	struct series_list *l = pv;

	if (strcmp(d->doctype, l->doctype) != 0)
		return CMN_OK;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		struct series_def *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return CMN_ERR_NOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n] = *d;
	l->v[l->n].meta = NULL; /* not given to apps: the meter's details */
	l->n++;
	return CMN_OK;
}

static void push_time_or_nil(lua_State *L, int64_t t, const char *key)
{
	if (t == INT64_MIN)
		lua_pushnil(L);
	else
		lua_pushinteger(L, t);
	lua_setfield(L, -2, key);
}

static int push_series(lua_State *L)
{
	struct series_list *l = lua_touserdata(L, 1);

	lua_createtable(L, (int)l->n, 0);
	for (size_t i = 0; i < l->n; i++) {
		const struct series_def *d = &l->v[i];

		lua_createtable(L, 0, 8);
		set_str(L, "id", d->id);
		set_str(L, "doctype", d->doctype);
		set_str(L, "unit", d->unit);
		set_int(L, "step", d->step);
		set_str(L, "tz", d->tz);
		set_str(L, "source", d->source);
		set_str(L, "key", d->key);
		set_int(L, "points", d->points);
		push_time_or_nil(L, d->t_first, "first");
		push_time_or_nil(L, d->t_last, "last");
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	return 1;
}

static int l_series(lua_State *L)
{
	struct sandbox *sb = sandbox_of(L);
	const char *doctype = luaL_checkstring(L, 1);
	struct series_list l = {0};
	enum cmn_rc rc;
	int status;

	checked(L);
	read_perm(L, doctype);
	luaL_checkstack(L, 8, "series");
	l.doctype = doctype;
	rc = pstore_series_each(sb->h->ps, gather_series, &l);
	if (rc != CMN_OK) {
		series_list_release(&l);
		return stop(L, APP_ERR_STORE, "the store failed: %s", cmn_strerror(rc));
	}
	protected_push(L, push_series, &l, 1, series_list_release, &status);
	return 1;
}

/* the_series - the series id of a doctype the app reads. */
static void the_series(lua_State *L, struct series_def *def)
{
	struct sandbox *sb = sandbox_of(L);
	const char *id = luaL_checkstring(L, 1);
	enum cmn_rc rc;

	if (strlen(id) != CRYPT_ID_LEN - 1 || strspn(id, "0123456789abcdef") != CRYPT_ID_LEN - 1)
		luaL_error(L, "no such series");
	rc = pstore_series_get(sb->h->ps, id, def);
	if (rc == CMN_ERR_NOT_FOUND)
		luaL_error(L, "no such series");
	if (rc != CMN_OK)
		stop(L, APP_ERR_STORE, "the store failed: %s", cmn_strerror(rc));
	{
		char doctype[CMN_DOCTYPE_NAME_MAX + 1];

		str_copy(doctype, sizeof(doctype), def->doctype);
		series_def_release(def);
		read_perm(L, doctype);
	}
}

struct points {
	int64_t *t, *v;
	size_t n, cap;
};

static void points_release(void *pv)
{
	struct points *p = pv;

	free(p->t);
	free(p->v);
	p->t = p->v = NULL;
}

static enum cmn_rc gather_point(int64_t t, int64_t v, void *pv)
{
	struct points *p = pv;

	if (p->n == POINTS_MAX)
		return CMN_ERR_TOO_LARGE;
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 1024;
		int64_t *nt = realloc(p->t, cap * sizeof(*nt)), *nv;

		if (!nt)
			return CMN_ERR_NOMEM;
		p->t = nt;
		if (!(nv = realloc(p->v, cap * sizeof(*nv))))
			return CMN_ERR_NOMEM;
		p->v = nv;
		p->cap = cap;
	}
	p->t[p->n] = t;
	p->v[p->n] = v;
	p->n++;
	return CMN_OK;
}

static int push_points(lua_State *L)
{
	struct points *p = lua_touserdata(L, 1);

	lua_createtable(L, (int)p->n, 0);
	lua_createtable(L, (int)p->n, 0);
	for (size_t i = 0; i < p->n; i++) {
		lua_pushinteger(L, p->t[i]);
		lua_rawseti(L, -3, (lua_Integer)i + 1);
		lua_pushinteger(L, p->v[i]);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	return 2;
}

static int l_points(lua_State *L)
{
	struct sandbox *sb = sandbox_of(L);
	struct series_def def;
	struct points p = {0};
	int64_t from = 0, to = 0;
	enum cmn_rc rc;
	int status;

	checked(L);
	the_series(L, &def);
	time_arg(L, 2, &from);
	time_arg(L, 3, &to);
	luaL_checkstack(L, 8, "points");
	rc = pstore_series_get(sb->h->ps, luaL_checkstring(L, 1), &def);
	if (rc == CMN_OK) {
		rc = series_scan(sb->h->ps, &def, from, to, gather_point, &p);
		series_def_release(&def);
	}
	if (rc == CMN_ERR_TOO_LARGE) {
		points_release(&p);
		return luaL_error(L, "more than %d points: read a shorter range", POINTS_MAX);
	}
	if (rc != CMN_OK) {
		points_release(&p);
		return stop(L, APP_ERR_STORE, "the store failed: %s", cmn_strerror(rc));
	}
	count(sb, sb->reads, "points", (json_int_t)p.n);
	sb->out->points_read += (int64_t)p.n;
	protected_push(L, push_points, &p, 2, points_release, &status);
	return 2;
}

struct buckets {
	struct bucket *v;
	size_t n, cap;
};

static void buckets_release(void *pv)
{
	struct buckets *b = pv;

	free(b->v);
	b->v = NULL;
}

static enum cmn_rc gather_bucket(const struct bucket *bk, void *pv)
{
	struct buckets *b = pv;

	if (b->n == SERIES_MAX_BUCKETS)
		return CMN_ERR_TOO_LARGE;
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		struct bucket *v = realloc(b->v, cap * sizeof(*v));

		if (!v)
			return CMN_ERR_NOMEM;
		b->v = v;
		b->cap = cap;
	}
	b->v[b->n++] = *bk;
	return CMN_OK;
}

static int push_buckets(lua_State *L)
{
	struct buckets *b = lua_touserdata(L, 1);

	lua_createtable(L, (int)b->n, 0);
	for (size_t i = 0; i < b->n; i++) {
		lua_createtable(L, 0, 6);
		set_int(L, "start", b->v[i].start);
		set_int(L, "stop", b->v[i].end);
		set_int(L, "count", (lua_Integer)b->v[i].count);
		set_int(L, "sum", b->v[i].sum);
		set_int(L, "min", b->v[i].min);
		set_int(L, "max", b->v[i].max);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	return 1;
}

static int l_buckets(lua_State *L)
{
	struct sandbox *sb = sandbox_of(L);
	struct series_def def;
	struct bucket_spec spec;
	struct buckets b = {0};
	int64_t from = 0, to = 0;
	enum cmn_rc rc;
	int status;

	checked(L);
	the_series(L, &def);
	time_arg(L, 2, &from);
	time_arg(L, 3, &to);
	if (bucket_parse(luaL_checkstring(L, 4), &spec) != CMN_OK)
		return luaL_argerror(L, 4, "a bucket: Nmin, hour, Nh, day, week, month, year");
	luaL_checkstack(L, 8, "buckets");
	rc = pstore_series_get(sb->h->ps, luaL_checkstring(L, 1), &def);
	if (rc == CMN_OK) {
		rc = series_aggregate(sb->h->ps, &def, from, to, &spec, gather_bucket, &b);
		series_def_release(&def);
	}
	if (rc == CMN_ERR_TOO_LARGE) {
		buckets_release(&b);
		return luaL_error(L, "too many buckets: take larger ones or a shorter range");
	}
	if (rc != CMN_OK) {
		buckets_release(&b);
		return stop(L, APP_ERR_STORE, "the store failed: %s", cmn_strerror(rc));
	}
	count(sb, sb->reads, "buckets", (json_int_t)b.n);
	protected_push(L, push_buckets, &b, 1, buckets_release, &status);
	return 1;
}

/* ---- commune.dataset, write, time, format, calendar, log ---------------------------- */

static int push_doc(lua_State *L)
{
	push_json(L, lua_touserdata(L, 1), 0);
	return 1;
}

static void doc_release(void *doc)
{
	json_decref(doc);
}

static int l_dataset(lua_State *L)
{
	struct sandbox *sb = sandbox_of(L);
	const char *name = luaL_checkstring(L, 1);
	char *text;
	json_t *doc;
	size_t i, len = 0;
	int status;

	checked(L);
	for (i = 0; i < sb->p->m.ndatasets; i++)
		if (strcmp(sb->p->m.datasets[i], name) == 0)
			break;
	if (i == sb->p->m.ndatasets)
		return stop(L, APP_ERR_PERMISSION, "%.64s is not among the datasets the app uses",
			    name);
	luaL_checkstack(L, 8, "dataset");
	text = app_dataset_current(sb->platform, name, &len);
	doc = text ? json_parse(text, len, 0, NULL) : NULL;
	free(text);
	if (!doc)
		return stop(L, APP_ERR_STORE, "the dataset %.64s could not be read", name);
	protected_push(L, push_doc, doc, 1, doc_release, &status);
	return 1;
}

/* ---- commune.eligibility ------------------------------------------------------------ */

/* The records the rules engine reads to gather facts (rules_facts.c): an
 * app that asks it must be allowed to read them, these fields at least. */
static const struct {
	const char *doctype;
	const char *fields[7];
} eligibility_reads[] = {
    {"tax.household",
     {"income_year", "issued", "tax_shares", "reference_income", "taxable_income", "commune_insee",
      NULL}},
    {"social.allowance", {"period_start", "kind", NULL}},
};

/* eligibility_allowed - stops the run unless the manifest lets the app
 * read what the engine reads. */
static void eligibility_allowed(lua_State *L)
{
	for (size_t i = 0; i < sizeof(eligibility_reads) / sizeof(*eligibility_reads); i++) {
		const struct app_read *perm = read_perm(L, eligibility_reads[i].doctype);

		for (size_t k = 0; perm->nfields && eligibility_reads[i].fields[k]; k++) {
			size_t j = 0;

			while (j < perm->nfields &&
			       strcmp(perm->fields[j], eligibility_reads[i].fields[k]) != 0)
				j++;
			if (j == perm->nfields)
				stop(L, APP_ERR_PERMISSION,
				     "commune.eligibility reads %s of %s, which the app may not "
				     "read",
				     eligibility_reads[i].fields[k], eligibility_reads[i].doctype);
		}
	}
}

/* The shipped rules, parsed once for the process (they are compiled in and
 * never change): a run asking twice, or many runs, do not parse them again. */
static struct rule_set shipped_rules;
static enum cmn_rc shipped_rc = CMN_ERR_STORE;
static char shipped_why[300];
static pthread_once_t shipped_once = PTHREAD_ONCE_INIT;

static void shipped_load(void)
{
	shipped_rc = rule_set_load(&shipped_rules, shipped_why, sizeof(shipped_why));
}

/* eligibility_evaluate - the shipped rules on the person's facts at `at`,
 * given facts first: {"at", "items", "facts"}, each item with its rule's
 * authority; NULL with why on a fault of given (or of memory). */
static json_t *eligibility_evaluate(struct sandbox *sb, int64_t at, const json_t *given, char *why,
				    size_t n)
{
	json_t *facts = NULL, *items = NULL, *it, *out = NULL;
	enum cmn_rc rc;
	size_t i;

	pthread_once(&shipped_once, shipped_load);
	rc = shipped_rc;
	if (rc != CMN_OK)
		snprintf(why, n, ": %.200s", shipped_why);
	if (rc == CMN_OK)
		rc = rule_facts_gather_given(sb->h->ps, at, given, &facts, why, n);
	if (rc == CMN_OK)
		rc = rule_set_evaluate(&shipped_rules, facts, at, &items);
	json_array_foreach(rc == CMN_OK ? items : NULL, i, it)
	{
		const json_t *rule =
		    rule_set_find(&shipped_rules, json_string_value(json_object_get(it, "id")));

		/* every rule names its authority (rules_check.c): an item
		 * without it is a want of memory, and fails the whole */
		if (json_object_set(it, "authority", json_object_get(rule, "authority")) != 0) {
			rc = CMN_ERR_NOMEM;
			break;
		}
	}
	if (rc == CMN_OK)
		out = json_pack("{s:I, s:O, s:O}", "at", (json_int_t)at, "items", items, "facts",
				facts);
	else if (rc != CMN_ERR_INVALID)
		snprintf(why, n, "%s", cmn_strerror(rc));
	json_decref(items);
	json_decref(facts);
	return out;
}

/* eligibility_count - the records the facts came from, as the run's reads */
static void eligibility_count(struct sandbox *sb, const json_t *facts)
{
	json_int_t notices =
	    json_is_object(json_object_get(json_object_get(facts, "tax.income_year"), "record"))
		? 1
		: 0;
	json_int_t paid = (json_int_t)json_array_size(
	    json_object_get(json_object_get(facts, "allowance.kinds"), "records"));

	count(sb, sb->reads, "tax.household", notices);
	count(sb, sb->reads, "social.allowance", paid);
	sb->out->records_read += notices + paid;
}

/*
 * l_eligibility - commune.eligibility([opts]): the territory's aid rules
 * (rules/ *.json, the same engine as POST /api/v1/eligibility/simulate,
 * docs/rules.md) evaluated on the person's records at opts.at (a date or
 * ms; ctx.now by default), with opts.facts (an object of facts, e.g.
 * {"household.persons": 3}) replacing those read. The engine reads the
 * latest tax notice and the recent allowances itself, so the manifest must
 * let the app read them. Returns {at, items, facts}.
 */
static int l_eligibility(lua_State *L)
{
	struct sandbox *sb = sandbox_of(L);
	int64_t at = sb->h->now;
	json_t *given = NULL, *doc;
	const char *bad = "?";
	char why[300] = "";
	int status;

	checked(L);
	eligibility_allowed(L);
	if (!lua_isnoneornil(L, 1)) {
		luaL_checktype(L, 1, LUA_TTABLE);
		at = opt_time(L, 1, "at", at);
		if (lua_getfield(L, 1, "facts") != LUA_TNIL &&
		    (!lua_istable(L, -1) || !(given = to_json(L, lua_gettop(L), 0, &bad)) ||
		     !json_is_object(given))) {
			json_decref(given);
			return luaL_error(L, "facts: a table of facts by name is required");
		}
		lua_pop(L, 1);
	}
	luaL_checkstack(L, 8, "eligibility");
	doc = eligibility_evaluate(sb, at, given, why, sizeof(why));
	json_decref(given);
	if (!doc)
		return luaL_error(L, "facts%s", why);
	eligibility_count(sb, json_object_get(doc, "facts"));
	protected_push(L, push_doc, doc, 1, doc_release, &status);
	return 1;
}

static int l_write(lua_State *L)
{
	struct sandbox *sb = sandbox_of(L);
	const char *doctype = luaL_checkstring(L, 1);
	const struct doctype *d = NULL;
	struct schema_errors *errs;
	struct record_meta m = {0};
	const char *why = "?";
	json_t *data;
	char *text;
	size_t k;
	enum cmn_rc rc;

	checked(L);
	luaL_checktype(L, 2, LUA_TTABLE);
	for (k = 0; k < sb->p->m.nwrite; k++)
		if (strcmp(sb->p->m.write[k], doctype) == 0)
			break;
	if (k == sb->p->m.nwrite || !(d = registry_find(sb->h->reg, doctype)))
		return stop(L, APP_ERR_PERMISSION, "%.64s is not among the doctypes the app writes",
			    doctype);
	if (sb->out->records_written >= WRITES_MAX)
		return stop(L, APP_ERR_INVALID, "more than %d records written in one run",
			    WRITES_MAX);
	if (!(data = to_json(L, 2, 0, &why)))
		return stop(L, APP_ERR_INVALID, "%s: the record is not data: %s", doctype, why);
	errs = malloc(sizeof(*errs));
	rc = errs ? schema_validate(d->schema, data, errs) : CMN_ERR_NOMEM;
	if (rc == CMN_ERR_INVALID) {
		char msg[200];

		snprintf(msg, sizeof(msg), "%.64s%.60s: %.70s", doctype,
			 errs->n ? errs->e[0].pointer : "", errs->n ? errs->e[0].message : "invalid");
		free(errs);
		json_decref(data);
		return stop(L, APP_ERR_INVALID, "%s", msg);
	}
	free(errs);
	m.t = INT64_MIN;
	if (rc == CMN_OK && d->time_field)
		rc = time_parse(json_string_value(json_object_get(data, d->time_field)), true, &m.t);
	text = rc == CMN_OK ? json_text_dumps(data, JSON_COMPACT | JSON_REAL_PRECISION(15)) : NULL;
	json_decref(data);
	if (!text)
		return stop(L, APP_ERR_STORE, "the record could not be written");
	/* this run's records replace the previous run's, doctype by doctype */
	if (!sb->replaced[k]) {
		int64_t gone = 0;

		rc = pstore_record_delete_source(sb->h->ps, doctype, sb->source, &gone);
		sb->out->records_replaced += gone;
		sb->replaced[k] = rc == CMN_OK;
	}
	str_copy(m.doctype, sizeof(m.doctype), doctype);
	crypt_uuid7_new(m.id);
	str_copy(m.source, sizeof(m.source), sb->source);
	if (rc == CMN_OK)
		rc = pstore_record_insert(sb->h->ps, &m, text, NULL);
	free(text);
	if (rc != CMN_OK)
		return stop(L, APP_ERR_STORE, "the store failed: %s", cmn_strerror(rc));
	count(sb, sb->writes, doctype, 1);
	sb->out->records_written++;
	lua_pushstring(L, m.id);
	return 1;
}

static int l_time(lua_State *L)
{
	int64_t t;

	checked(L);
	if (time_parse(luaL_checkstring(L, 1), true, &t) != CMN_OK)
		return luaL_argerror(L, 1, "an RFC 3339 date or date-time is required");
	lua_pushinteger(L, t);
	return 1;
}

static int l_format(lua_State *L)
{
	char out[TIME_RFC3339_LEN];

	checked(L);
	time_format(out, luaL_checkinteger(L, 1));
	lua_pushstring(L, out);
	return 1;
}

static int l_calendar(lua_State *L)
{
	int64_t t = luaL_checkinteger(L, 1), ms = 0, day, y;
	const struct tz *z = series_zone(luaL_optstring(L, 2, "Europe/Paris"));
	int m, d;

	checked(L);
	if (!z)
		return luaL_argerror(L, 2, "an IANA time zone is required");
	day = tz_local_day(z, t, &ms);
	time_civil_from_days(day, &y, &m, &d);
	lua_createtable(L, 0, 7);
	set_int(L, "year", y);
	set_int(L, "month", m);
	set_int(L, "day", d);
	set_int(L, "hour", ms / 3600000);
	set_int(L, "minute", ms / 60000 % 60);
	set_int(L, "wday", ((day + 3) % 7 + 7) % 7 + 1); /* 1970-01-01 was a Thursday (4) */
	set_int(L, "yday", day - time_days_from_civil(y, 1, 1) + 1);
	return 1;
}

static int l_log(lua_State *L)
{
	struct sandbox *sb = sandbox_of(L);
	size_t n;
	const char *s = luaL_checklstring(L, 1, &n);
	char line[LOG_LINE_MAX + 1];

	checked(L);
	if (json_array_size(sb->log) < LOG_LINES) {
		snprintf(line, sizeof(line), "%.*s", (int)(n < LOG_LINE_MAX ? n : LOG_LINE_MAX), s);
		/* text that is not UTF-8 is dropped rather than kept broken */
		json_t *v = json_string(line);

		/* a line kept, or the run stops: never a log that lacks one */
		if (v && json_array_append_new(sb->log, v) != 0)
			return stop(L, APP_ERR_STORE, "out of memory");
	}
	return 0;
}

/* ---- the run ---------------------------------------------------------------------- */

static const luaL_Reg host_api[] = {
    {"records", l_records}, {"series", l_series},           {"points", l_points},
    {"buckets", l_buckets}, {"dataset", l_dataset},         {"write", l_write},
    {"time", l_time},       {"format", l_format},           {"calendar", l_calendar},
    {"log", l_log},         {"eligibility", l_eligibility}, {NULL, NULL},
};

/* call_run - loads the entry and calls run(ctx), protected: runs inside
 * lua_pcall so that no error escapes. Leaves run's result on the stack. */
static int call_run(lua_State *L)
{
	struct sandbox *sb = sandbox_of(L);
	const char *src = app_package_file(sb->p, sb->p->m.entry);
	char chunk[80];

	snprintf(chunk, sizeof(chunk), "=%s", sb->p->m.entry);
	/* text only: bytecode is refused ("t") */
	if (luaL_loadbufferx(L, src, strlen(src), chunk, "t") != LUA_OK)
		return lua_error(L);
	lua_call(L, 0, 0);
	if (lua_getglobal(L, "run") != LUA_TFUNCTION)
		return luaL_error(L, "%s defines no function run(ctx)", sb->p->m.entry);
	lua_createtable(L, 0, 3);
	set_int(L, "now", sb->h->now);
	set_str(L, "trigger", sb->h->trigger ? sb->h->trigger : "demand");
	if (sb->h->params)
		push_json(L, sb->h->params, 0);
	else
		lua_newtable(L);
	lua_setfield(L, -2, "params");
	lua_call(L, 1, 1);
	return 1;
}

const char *app_outcome_name(enum app_outcome o)
{
	switch (o) {
	case APP_OK: return "ok";
	case APP_ERR_SCRIPT: return "script-error";
	case APP_ERR_MEMORY: return "memory";
	case APP_ERR_INSTRUCTIONS: return "instructions";
	case APP_ERR_DEADLINE: return "deadline";
	case APP_ERR_PERMISSION: return "permission";
	case APP_ERR_INVALID: return "invalid-output";
	case APP_ERR_STORE: return "store";
	}
	return "?";
}

/* audit_detail - the run as the chain keeps it: what it read and wrote,
 * how it ended (never the data itself). */
static char *audit_detail(const struct sandbox *sb)
{
	json_t *d = json_pack("{s:s, s:s, s:s, s:O, s:O, s:I, s:I, s:I}", "version",
			      sb->p->m.version, "sha256", sb->p->sha256, "outcome",
			      app_outcome_name(sb->out->outcome), "reads", sb->reads, "writes",
			      sb->writes, "replaced", (json_int_t)sb->out->records_replaced,
			      "instructions", (json_int_t)sb->out->instructions, "elapsed_us",
			      (json_int_t)sb->out->elapsed_us);
	char *text;

	/* an entry without its error would say less than it must */
	if (sb->out->outcome != APP_OK)
		json_put(&d, "error", json_string(sb->out->error));
	text = d ? json_text_dumps(d, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(d);
	return text;
}

/* told - the run's entry in the chain, and its row among the app's runs
 * when the host keeps them, in the transaction open on host->ps */
static enum cmn_rc told(const struct sandbox *sb, const char *object)
{
	const struct app_run *out = sb->out;
	struct app_run_row row = {0};
	char *detail = audit_detail(sb), *result = NULL;
	enum cmn_rc rc;

	rc = detail ? pstore_audit_append(sb->h->ps, sb->h->actor, "app.run", object, detail)
		    : CMN_ERR_NOMEM;
	free(detail);
	if (rc != CMN_OK || !sb->h->kept)
		return rc;
	str_copy(row.app_id, sizeof(row.app_id), sb->p->m.id);
	str_copy(row.version, sizeof(row.version), sb->p->m.version);
	row.at = time_now_ms();
	str_copy(row.trigger, sizeof(row.trigger), sb->h->trigger);
	str_copy(row.outcome, sizeof(row.outcome), app_outcome_name(out->outcome));
	str_copy(row.error, sizeof(row.error), out->error);
	row.elapsed_us = out->elapsed_us;
	row.instructions = (int64_t)out->instructions;
	row.written = out->records_written;
	if (out->result &&
	    !(result = json_text_dumps(out->result, JSON_COMPACT | JSON_ENCODE_ANY)))
		return CMN_ERR_NOMEM;
	row.result = result;
	rc = pstore_app_run_add(sb->h->ps, &row);
	free(result);
	return rc;
}

enum cmn_rc app_run(const struct app_package *p, const struct app_host *host, struct app_run *out)
{
	return app_run_on(p, host, NULL, out);
}

enum cmn_rc app_run_on(const struct app_package *p, const struct app_host *host,
		       struct store *platform, struct app_run *out)
{
	struct sandbox sb = {0};
	int64_t start = now_us();
	char object[APP_ID_MAX + 8];
	enum cmn_rc rc;
	int status;

	memset(out, 0, sizeof(*out));
	sb.p = p;
	sb.h = host;
	sb.platform = platform;
	sb.out = out;
	sb.cap = p->m.mem_bytes;
	sb.deadline_us = start + p->m.wall_ms * 1000;
	sb.reads = json_object();
	sb.writes = json_object();
	sb.log = json_array();
	snprintf(sb.source, sizeof(sb.source), "app:%s", p->m.id);
	if (!sb.reads || !sb.writes || !sb.log || !(sb.L = lua_newstate(capped_alloc, &sb))) {
		json_decref(sb.reads);
		json_decref(sb.writes);
		json_decref(sb.log);
		return CMN_ERR_NOMEM;
	}
	*(struct sandbox **)lua_getextraspace(sb.L) = &sb;
	if ((rc = pstore_tx_begin(host->ps)) != CMN_OK) {
		lua_close(sb.L);
		json_decref(sb.reads);
		json_decref(sb.writes);
		json_decref(sb.log);
		return rc;
	}
	/* the library and the host API, then the limits, then the app */
	{
		lua_State *L = sb.L;

		open_safe(L);
		luaL_newlib(L, host_api);
		lua_setglobal(L, "commune");
		lua_sethook(L, hook, LUA_MASKCOUNT, HOOK_EVERY);
		lua_pushcfunction(L, call_run);
		status = lua_pcall(L, 0, 1, 0);
	}
	out->instructions = sb.instructions;
	/* a good run's results replace the previous run's in every doctype it
	 * may write, even those it wrote nothing in this time */
	for (size_t k = 0; status == LUA_OK && sb.stop == APP_OK && k < p->m.nwrite; k++) {
		int64_t gone = 0;

		if (sb.replaced[k])
			continue;
		if (pstore_record_delete_source(host->ps, p->m.write[k], sb.source, &gone) != CMN_OK) {
			sb.stop = APP_ERR_STORE;
			snprintf(sb.why, sizeof(sb.why), "the store failed");
		}
		out->records_replaced += gone;
	}
	if (status == LUA_OK && sb.stop == APP_OK) {
		const char *why = "?";
		json_t *result = to_json(sb.L, -1, 0, &why);
		char *text = result ? json_text_dumps(result, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;

		if (!result || !text || strlen(text) > RESULT_MAX) {
			out->outcome = APP_ERR_INVALID;
			snprintf(out->error, sizeof(out->error), "run() returned %s",
				 !result ? why : "more than 64 KiB");
			json_decref(result);
		} else {
			out->outcome = APP_OK;
			out->result = result;
		}
		free(text);
	} else if (status == LUA_ERRMEM && sb.stop == APP_OK) {
		out->outcome = APP_ERR_MEMORY;
		snprintf(out->error, sizeof(out->error), "over its memory (%zu MiB)", sb.cap >> 20);
	} else if (sb.stop != APP_OK) {
		out->outcome = sb.stop;
		snprintf(out->error, sizeof(out->error), "%s", sb.why);
	} else {
		const char *msg = lua_tostring(sb.L, -1);

		out->outcome = APP_ERR_SCRIPT;
		snprintf(out->error, sizeof(out->error), "%s", msg ? msg : "an error without message");
	}
	lua_sethook(sb.L, NULL, 0, 0);
	lua_close(sb.L);
	out->elapsed_us = now_us() - start;
	snprintf(object, sizeof(object), "app/%s", p->m.id);
	rc = CMN_OK;
	if (out->outcome == APP_OK) {
		/* a good run: its writes, its entry and its row, one commit */
		rc = pstore_tx_end(host->ps, told(&sb, object));
	} else {
		pstore_tx_end(host->ps, CMN_ERR_CONFLICT); /* its writes undone */
		/* the store failing is no outcome of the app's: the run is not
		 * made, and nothing is told of it (the caller may try again) */
		if (out->outcome == APP_ERR_STORE)
			rc = CMN_ERR_STORE;
	}
	if (rc != CMN_OK || out->outcome != APP_OK) {
		json_decref(out->result);
		out->result = NULL;
		out->records_written = 0;
		out->records_replaced = 0;
	}
	/* a run that ended badly keeps nothing of its own; how it ended is
	 * kept, on its own */
	if (rc == CMN_OK && out->outcome != APP_OK) {
		rc = pstore_tx_begin(host->ps);
		if (rc == CMN_OK)
			rc = pstore_tx_end(host->ps, told(&sb, object));
	}
	if (rc == CMN_OK && json_array_size(sb.log))
		out->log = json_incref(sb.log);
	json_decref(sb.reads);
	json_decref(sb.writes);
	json_decref(sb.log);
	return rc;
}

void app_run_release(struct app_run *r)
{
	json_decref(r->result);
	json_decref(r->log);
	r->result = NULL;
	r->log = NULL;
}
