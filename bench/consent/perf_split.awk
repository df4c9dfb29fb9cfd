# perf_split.awk - splits a profile of commune serving record reads into the steps of a read,
# from `perf script -F period,ip,sym --no-inline` (call graphs recorded with --call-graph dwarf).
#
#   perf script -i perf.data -F period,ip,sym --no-inline | awk -f bench/consent/perf_split.awk
#   ... | awk -v by=syscall -f bench/consent/perf_split.awk     # by system call instead
#
# Each sample (weighted by its period) goes to the innermost frame of its stack that names a step
# (the table below: no step calls another, api_access aside, which held the audit append and the
# use count before 3edfeef), or to a group when a frame of the group is anywhere in the stack (the
# access log's writer thread); samples with neither go to "other". Shares are of the samples,
# kernel included.
# With by=syscall, a sample goes to the system call it is in (the libc wrapper above the kernel's
# entry), or to "user space" / "kernel, outside system calls".
# Tail calls hide a frame: store_grant_used ends in `return conn_step_done(...)` and api_access in
# `return store_grant_used(...)`'s result, so the use count's UPDATE shows as conn_step_done.
BEGIN {
    n = 0
    step["crypt_hash_hex"] = "hash of the token or cookie (crypt_hash_hex)"
    step["store_session_get"] = "session lookup (store_session_get)"
    step["store_oauth_token_get"] = "token lookup (store_oauth_token_get)"
    step["consent_load"] = "grant load (consent_load: SQLite + JSON parse + grant_read)"
    step["store_client_get"] = "service lookup (store_client_get)"
    step["store_person_by_id"] = "person lookup (store_person_by_id)"
    step["grant_check"] = "grant checks (grant_*)"
    step["grant_field_allowed"] = "grant checks (grant_*)"
    step["grant_time_allowed"] = "grant checks (grant_*)"
    step["grant_effective_status"] = "grant checks (grant_*)"
    step["pstore_record_get"] = "record read (pstore_record_get)"
    step["pstore_audit_append"] = "audit entry (pstore_audit_append: BEGIN IMMEDIATE, SELECT, INSERT, COMMIT)"
    step["store_grant_used"] = "use count (store_grant_used: UPDATE grants, autocommit)"
    step["conn_step_done"] = "use count (store_grant_used: UPDATE grants, autocommit)"
    step["api_access"] = "the read's audit detail (rest of api_access)"
    step["grant_lookup"] = "the token's grant, service and person from the per-thread cache (grant_lookup)"
    step["record_write"] = "JSON answer (record_write)"
    step["completed"] = "access log (completed)"
    step["__libc_sendmsg"] = "TCP send (sendmsg, loopback delivery included)"
    step["__libc_recv"] = "TCP receive (recv)"
    step["epoll_wait"] = "epoll_wait"
    step["access_log_add"] = "queueing the read for the access log writer (access_log_add)"
    # frames that take a whole stack, wherever they are in it: since 3edfeef, a thread of
    # src/consent/access.c writes the audit entries and use counts of services' reads in batches
    group["writer"] = "access log writer thread (batched audit entries and use counts)"
    group["write_batch"] = "access log writer thread (batched audit entries and use counts)"
}
function flush(   i, s) {
    if (nf == 0)
        return
    if (by == "syscall") {
        s = ""
        for (i = 1; i <= nf; i++)
            if (frames[i] == "entry_SYSCALL_64_after_hwframe") { s = (i < nf) ? frames[i + 1] : "?"; break }
        if (s == "")
            s = kernel[1] ? "kernel, outside system calls" : "user space"
    } else {
        s = "other (libmicrohttpd, routing, query parsing, allocation, ...)"
        for (i = 1; i <= nf; i++)
            if (frames[i] in step) { s = step[frames[i]]; break }
        for (i = 1; i <= nf; i++)
            if (frames[i] in group) { s = group[frames[i]]; break }
    }
    w[s] += period
    total += period
    nf = 0
}
/^ *[0-9]+ *$/ { flush(); period = $1 + 0; next }
/^\t/ { frames[++nf] = $2; kernel[nf] = ($1 ~ /^ffffffff/); next }
/^$/ { flush(); next }
END {
    flush()
    for (s in w) printf "%6.1f %%\t%s\n", 100 * w[s] / total, s | "sort -rn"
}
