#ifndef GATE_CLIBXML2_SHIM_H
#define GATE_CLIBXML2_SHIM_H
#include <libxml/xmlversion.h>
/* Debian builds libxml2 against ICU, whose headers clash with the copy of ICU inside the
   Swift toolchain's Foundation. gate never touches ICU converters, so hide them; this only
   drops two fields at the end of xmlCharEncodingHandler, which gate does not use. */
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>
#include <libxml/xmlerror.h>
#endif
