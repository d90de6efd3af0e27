# Compiler settings shared by every target of the project.
find_program(CCACHE_PROGRAM ccache)
if(CCACHE_PROGRAM)
  set(CMAKE_CXX_COMPILER_LAUNCHER "${CCACHE_PROGRAM}")
endif()

add_library(hcbridge_warnings INTERFACE)
target_compile_options(hcbridge_warnings INTERFACE -Wall -Wextra -Werror -Wshadow
                                                   -Wnon-virtual-dtor -Wconversion
                                                   -Wno-sign-conversion)
# GCC 12 at -O3 reports std::optional and std::vector comparisons that cannot
# happen (GCC bugs 105562, 105651) and std::string concatenations that
# "may overlap" (GCC bug 105329), and out-of-bounds memcpy in inlined
# std::vector copies (GCC bug 107852); clang's warnings and the sanitizer
# build cover these classes of error.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  target_compile_options(hcbridge_warnings INTERFACE -Wno-maybe-uninitialized
                                                     -Wno-stringop-overread
                                                     -Wno-restrict
                                                     -Wno-array-bounds)
endif()

# HCBRIDGE_SANITIZE: OFF (or any false constant), ON (address and undefined,
# what scripts/test.sh builds; any true constant, as when it was a boolean),
# address, or thread.
string(TOLOWER "${HCBRIDGE_SANITIZE}" hcbridge_sanitize)
if(NOT HCBRIDGE_SANITIZE)
  set(HCBRIDGE_SANITIZER_SET "")
elseif(hcbridge_sanitize MATCHES "^(address|thread)$")
  set(HCBRIDGE_SANITIZER_SET "${hcbridge_sanitize}")
elseif(hcbridge_sanitize MATCHES "^(on|true|yes|y|1)$")
  set(HCBRIDGE_SANITIZER_SET "address,undefined")
else()
  message(FATAL_ERROR "HCBRIDGE_SANITIZE=${HCBRIDGE_SANITIZE}: "
                      "expected OFF, ON (address+undefined), address or thread")
endif()

if(HCBRIDGE_SANITIZER_SET STREQUAL "address,undefined")
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
elseif(HCBRIDGE_SANITIZER_SET STREQUAL "address")
  add_compile_options(-fsanitize=address -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address)
elseif(HCBRIDGE_SANITIZER_SET STREQUAL "thread")
  # The fuzz targets are an ASan build and single-threaded: TSan would find
  # nothing there. -g so that every report names files and lines.
  if(HCBRIDGE_FUZZ)
    message(FATAL_ERROR "HCBRIDGE_SANITIZE=thread cannot be combined with HCBRIDGE_FUZZ=ON: "
                        "configure a separate build directory with -DHCBRIDGE_FUZZ=OFF")
  endif()
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer -g)
  add_link_options(-fsanitize=thread)
endif()

if(HCBRIDGE_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "HCBRIDGE_FUZZ needs clang: configure with -DCMAKE_CXX_COMPILER=clang++")
  endif()
  # Libraries get coverage instrumentation; fuzz targets link the driver.
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()

# hcbridge_library(NAME SOURCES ... [LIBS ...]) : the library of one folder.
function(hcbridge_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  hcbridge_public_headers(${name} PUBLIC)
  target_link_libraries(${name} PUBLIC ${ARG_LIBS} PRIVATE hcbridge_warnings)
endfunction()
