// libcurl for Swift. Only CurlKit imports this module.
// curl_easy_setopt and curl_easy_getinfo are variadic: typed wrappers live here.
#ifndef AEOLUS_CCURL_SHIM_H
#define AEOLUS_CCURL_SHIM_H
#include <curl/curl.h>
#endif
