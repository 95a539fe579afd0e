#ifndef SBI_COPENBLAS_SHIM_H
#define SBI_COPENBLAS_SHIM_H
#include <cblas.h>
#endif
