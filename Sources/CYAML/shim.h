#ifndef SBI_CYAML_SHIM_H
#define SBI_CYAML_SHIM_H
#include <yaml.h>
#endif
