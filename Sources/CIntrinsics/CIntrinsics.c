/* Everything is in include/CIntrinsics.h; a C target needs one source file. */
#include "CIntrinsics.h"
