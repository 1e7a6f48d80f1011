// snappy's C API for Swift. Only the Snappy module imports this.
#ifndef AEOLUS_CSNAPPY_SHIM_H
#define AEOLUS_CSNAPPY_SHIM_H
#include <snappy-c.h>
#endif
