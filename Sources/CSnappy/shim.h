// snappy's C API for Swift. Only the Snappy module imports this.
// snappy-c.h has no variadic functions or macros that Swift cannot import: the header is enough.
#ifndef AEOLUS_CSNAPPY_SHIM_H
#define AEOLUS_CSNAPPY_SHIM_H
#include <snappy-c.h>
#endif
