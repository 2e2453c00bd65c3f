#ifndef SETU_CZLIB_SHIM_H
#define SETU_CZLIB_SHIM_H
#include <zlib.h>

/* inflateInit2 is a macro, which Swift cannot call. */
static inline int setu_inflate_init_gzip(z_streamp stream) {
    return inflateInit2(stream, 16 + MAX_WBITS);  /* gzip wrapper only */
}
#endif
