#ifndef SBI_CZLIB_SHIM_H
#define SBI_CZLIB_SHIM_H
#include <zlib.h>
#endif
