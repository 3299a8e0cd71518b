/*
 * clerk.h: the C ABI of libclerk (static library: target/release/libclerk.a).
 *
 * Resolve plain-language prompts to Clerk Backend API calls and inspect the
 * embedded, offline catalog of every BAPI spec version.
 *
 * Conventions
 *  - Arguments are NUL-terminated UTF-8 strings. A NULL `version` means the
 *    latest embedded version.
 *  - Every function returns a newly allocated NUL-terminated JSON string.
 *    Free it with clerk_string_free(). The result is never NULL.
 *  - Failures are JSON too: {"error":{"code":"...","message":"..."}} with
 *    codes null_pointer, invalid_utf8, unknown_version, unknown_tag,
 *    not_found, missing, usage, panic. Nothing ever aborts the caller.
 *  - Thread-safe: the library holds only immutable, lazily built caches.
 *
 * Link: cc app.c -I include target/release/libclerk.a -lpthread -ldl -lm
 *
 * This file is checked against src/ffi.rs by tests/c_abi.rs.
 */
#ifndef CLERK_H
#define CLERK_H

#ifdef __cplusplus
extern "C" {
#endif

/* The resolution of a prompt: {"mode","version","candidates":[{"operation":
 * {"method","path","operation_id","summary"},"score","reason","bound":{"path",
 * "query","body"},"missing"}],"confidence","notes","browse"}. */
char *clerk_resolve(const char *prompt, const char *version);

/* {"versions":[{"date","latest","operations","tags"}]} */
char *clerk_versions(void);

/* {"version","tags":[{"name","description","operations"}]} */
char *clerk_tags(const char *version);

/* One tag's endpoints (forgiving names: "users", "orgs"):
 * {"version","tag":{"name","description"},"operations":[{"method","path",
 * "summary","operation_id","deprecated"}]} */
char *clerk_tag_operations(const char *version, const char *tag);

/* Everything about one endpoint, e.g. ("GET", "/users/{user_id}"):
 * {"version","operation":{...params, body fields, responses...}} */
char *clerk_operation(const char *version, const char *method, const char *path);

/* Resolves a prompt and builds the request without sending it (dry run):
 * {"request":{"method","url","headers","body"},"operation":{...},"class",
 * "confidence"}. `base_url` NULL means https://api.clerk.com/v1. The
 * Authorization header is a placeholder; no key is involved. */
char *clerk_build_request(const char *prompt, const char *version, const char *base_url);

/* Frees a string returned by any clerk_* function. NULL is ignored. */
void clerk_string_free(char *s);

#ifdef __cplusplus
}
#endif

#endif /* CLERK_H */
