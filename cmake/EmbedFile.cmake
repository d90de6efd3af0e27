# Script mode: IN, OUT, SYMBOL. Writes a C++ file with IN's bytes.
file(READ "${IN}" hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," body "${hex}")
file(WRITE "${OUT}" "// Generated from ${IN}; do not edit.\n#include <string_view>\n"
     "namespace { const unsigned char kData[] = {${body} 0}; }\n"
     "extern const std::string_view ${SYMBOL};\n"
     "const std::string_view ${SYMBOL}(reinterpret_cast<const char*>(kData), sizeof(kData) - 1);\n")
