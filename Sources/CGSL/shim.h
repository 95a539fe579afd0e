#ifndef SBI_CGSL_SHIM_H
#define SBI_CGSL_SHIM_H
/* GSL's headers define the CBLAS enums in gsl_cblas.h, OpenBLAS's cblas.h defines
   them again (with the same values plus extensions). Two definitions in two Clang
   modules cannot be imported into one Swift module, so GSL takes OpenBLAS's:
   include it first and mark gsl_cblas.h as already included. */
#include <cblas.h>
#define __GSL_CBLAS_H__
#include <gsl/gsl_errno.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_statistics_double.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_multifit.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_interp.h>
#include <gsl/gsl_interp2d.h>
#include <gsl/gsl_spline.h>
#include <gsl/gsl_spline2d.h>
#include <gsl/gsl_multimin.h>
#include <gsl/gsl_min.h>
#include <gsl/gsl_roots.h>
#include <gsl/gsl_sort_double.h>

/* GSL exports generator types as mutable globals, which Swift 6 refuses to touch
   from concurrent code; these accessors return the constant pointers. */
static inline const gsl_rng_type *sbi_gsl_rng_mt19937(void) { return gsl_rng_mt19937; }
#endif
