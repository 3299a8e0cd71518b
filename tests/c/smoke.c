/* Exercises the C ABI against libclerk.a: real results, error paths, and
 * every returned string freed (run under valgrind by tests/c_abi.rs). */
#include <stdio.h>
#include <string.h>
#include "clerk.h"

static int failures = 0;

static void expect(const char *what, char *json, const char *needle) {
    if (json == NULL || strstr(json, needle) == NULL) {
        fprintf(stderr, "FAIL %s: expected %s in %s\n", what, needle, json ? json : "(null)");
        failures++;
    } else {
        printf("ok   %s\n", what);
    }
    clerk_string_free(json);
}

int main(void) {
    expect("resolve ban", clerk_resolve("ban user user_1", NULL), "\"path\":\"/users/{user_id}/ban\"");
    expect("resolve binds user_id", clerk_resolve("ban user user_1", NULL), "\"user_1\"");
    expect("resolve version", clerk_resolve("get users", "2024-10-01"), "\"version\":\"2024-10-01\"");
    expect("versions", clerk_versions(), "\"latest\":true");
    expect("tags", clerk_tags(NULL), "\"name\":\"Users\"");
    expect("tag operations", clerk_tag_operations("2026-05-12", "users"), "/users/{user_id}/ban");
    expect("operation", clerk_operation(NULL, "POST", "/organizations"), "\"required\":true");
    expect("build request", clerk_build_request("ban user user_1", NULL, NULL),
           "\"url\":\"https://api.clerk.com/v1/users/user_1/ban\"");
    expect("missing params", clerk_build_request("DELETE /users/{user_id}", NULL, NULL), "\"code\":\"missing\"");
    expect("null prompt", clerk_resolve(NULL, NULL), "\"code\":\"null_pointer\"");
    expect("invalid utf8", clerk_resolve("\xff\xfe", NULL), "\"code\":\"invalid_utf8\"");
    expect("unknown version", clerk_tags("1999-01-01"), "\"code\":\"unknown_version\"");
    expect("unknown tag", clerk_tag_operations(NULL, "bananas"), "\"code\":\"unknown_tag\"");
    expect("bad base url", clerk_build_request("get users", NULL, "http://example.com"), "\"code\":\"usage\"");
    clerk_string_free(NULL);
    printf("%d failures\n", failures);
    return failures == 0 ? 0 : 1;
}
