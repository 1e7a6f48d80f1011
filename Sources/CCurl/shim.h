// libcurl for Swift. Only CurlKit imports this module.
// curl_easy_setopt and curl_easy_getinfo are variadic, which Swift does not import: the typed
// wrappers below pass each argument with the C type libcurl reads for that option
// (long, pointer, curl_off_t, function pointer). Pick the wrapper that matches the option's
// CURLOPTTYPE_* in curl.h; a mismatch is undefined behaviour in C too.
#ifndef AEOLUS_CCURL_SHIM_H
#define AEOLUS_CCURL_SHIM_H
#include <curl/curl.h>

// --- curl_easy_setopt ---------------------------------------------------------------------

/// CURLOPTTYPE_LONG options (timeouts, switches, CURLOPT_HTTPGET, CURLOPT_NOSIGNAL, ...).
static inline CURLcode aeolus_curl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

/// CURLOPTTYPE_OBJECTPOINT / CBPOINT / SLISTPOINT / BLOB options (userdata, header lists, blobs,
/// the error buffer).
static inline CURLcode aeolus_curl_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

/// CURLOPTTYPE_STRINGPOINT options (URL, file names, custom method). libcurl copies the string.
static inline CURLcode aeolus_curl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

/// CURLOPTTYPE_OFF_T options (CURLOPT_POSTFIELDSIZE_LARGE, CURLOPT_MAXFILESIZE_LARGE, ...).
static inline CURLcode aeolus_curl_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

/// CURLOPT_WRITEFUNCTION and CURLOPT_HEADERFUNCTION (same signature).
static inline CURLcode aeolus_curl_setopt_write_function(CURL *handle, CURLoption option,
                                                         curl_write_callback callback) {
    return curl_easy_setopt(handle, option, callback);
}

/// CURLOPT_READFUNCTION.
static inline CURLcode aeolus_curl_setopt_read_function(CURL *handle, curl_read_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_READFUNCTION, callback);
}

/// CURLOPT_XFERINFOFUNCTION (progress; returning non-zero aborts the transfer).
static inline CURLcode aeolus_curl_setopt_xferinfo_function(CURL *handle, curl_xferinfo_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, callback);
}

// --- curl_easy_getinfo --------------------------------------------------------------------

/// CURLINFO_LONG items (CURLINFO_RESPONSE_CODE, CURLINFO_HTTP_VERSION, ...).
static inline CURLcode aeolus_curl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

/// CURLINFO_DOUBLE items (deprecated timing items).
static inline CURLcode aeolus_curl_getinfo_double(CURL *handle, CURLINFO info, double *value) {
    return curl_easy_getinfo(handle, info, value);
}

/// CURLINFO_OFF_T items (CURLINFO_TOTAL_TIME_T, CURLINFO_SIZE_DOWNLOAD_T, ...).
static inline CURLcode aeolus_curl_getinfo_off_t(CURL *handle, CURLINFO info, curl_off_t *value) {
    return curl_easy_getinfo(handle, info, value);
}

/// CURLINFO_STRING items (CURLINFO_EFFECTIVE_URL, CURLINFO_CONTENT_TYPE, ...). The string belongs
/// to the handle: copy it before the next call on the handle.
static inline CURLcode aeolus_curl_getinfo_string(CURL *handle, CURLINFO info, const char **value) {
    return curl_easy_getinfo(handle, info, value);
}

// curl_global_init(CURL_GLOBAL_DEFAULT) is called once per process by CurlKit (a Swift `static let`,
// which the runtime initialises exactly once, thread-safely). A pthread_once here would not do: a
// `static` in a header is duplicated in every object file that inlines it.

#endif
