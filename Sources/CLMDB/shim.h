#ifndef MAILTIME_CLMDB_SHIM_H
#define MAILTIME_CLMDB_SHIM_H

#include <lmdb.h>

/// `MDB_val` initialised from a pointer and a length (Swift cannot build it
/// with designated initialisers in one expression).
static inline MDB_val mailtime_mdb_val(const void *data, size_t size) {
    MDB_val value;
    value.mv_size = size;
    value.mv_data = (void *)data;
    return value;
}

#endif
