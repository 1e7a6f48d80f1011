// libgit2 for Swift. Only GitKit imports this module.
#ifndef AEOLUS_CGIT2_SHIM_H
#define AEOLUS_CGIT2_SHIM_H
#include <git2.h>
#endif
