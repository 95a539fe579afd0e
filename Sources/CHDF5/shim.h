#ifndef SBI_CHDF5_SHIM_H
#define SBI_CHDF5_SHIM_H
/* HDF5 (libhdf5-dev; Debian puts the serial build's headers in /usr/include/hdf5/serial,
   found through pkg-config "hdf5"). Only the C API is used, read-only. */
#include <hdf5.h>

/* HDF5's predefined type ids and file-access flags are macros over library globals that
   H5open() fills in; Swift cannot import the macros and refuses mutable globals in
   concurrent code. These accessors call H5open() first (cheap after the first call) and
   return the current values. */
static inline hid_t sbi_h5t_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t sbi_h5t_native_int64(void) { return H5T_NATIVE_INT64; }
static inline hid_t sbi_h5t_c_s1(void) { return H5T_C_S1; }
static inline unsigned sbi_h5f_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline unsigned sbi_h5f_acc_trunc(void) { return H5F_ACC_TRUNC; }
static inline unsigned sbi_h5f_acc_rdwr(void) { return H5F_ACC_RDWR; }
static inline hid_t sbi_h5p_default(void) { return H5P_DEFAULT; }
static inline hid_t sbi_h5s_all(void) { return H5S_ALL; }
static inline hid_t sbi_h5t_ieee_f64le(void) { return H5T_IEEE_F64LE; }
static inline hid_t sbi_h5t_std_i64le(void) { return H5T_STD_I64LE; }
static inline hid_t sbi_h5p_dataset_create(void) { return H5P_DATASET_CREATE; }
static inline size_t sbi_h5t_variable(void) { return H5T_VARIABLE; }

/* Switches off HDF5's printing of an error stack to stderr on every failed call; the
   callers turn negative return values into thrown errors instead. */
static inline herr_t sbi_h5_silence_errors(void) { return H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }
#endif
