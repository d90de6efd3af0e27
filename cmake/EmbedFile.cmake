# Script mode: IN, OUT, SYMBOL. Writes a C++ file with IN's bytes as a string
# literal, so the string_view is constant-initialized (usable at any time,
# even during other files' static initialization).
file(READ "${IN}" hex HEX)
string(LENGTH "${hex}" digits)
math(EXPR size "${digits} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "\\\\x\\1" body "${hex}")
file(WRITE "${OUT}" "// Generated from ${IN}; do not edit.\n#include <string_view>\n"
     "extern const std::string_view ${SYMBOL};\n"
     "constexpr std::string_view ${SYMBOL}(\"${body}\", ${size});\n")
