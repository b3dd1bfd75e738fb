// The library's version, for consumers that load it dynamically.
#include "client/telguard.h"

extern "C" const char* telguard_version(void) { return TELGUARD_VERSION_STRING; }
