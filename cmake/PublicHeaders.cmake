# Which target owns each public header under include/hcbridge/. A target's
# headers are staged (as symbolic links) into an include root of its own,
# build/public/<target>/hcbridge/..., which only the targets linking it see:
# a library that includes a header of a target it does not link fails to
# build. Every header belongs to exactly one target (checked at configure).
set(HCBRIDGE_HEADERS_hcbridge_apdu
    apdu.hpp atr.hpp bytes.hpp error.hpp exchange.hpp iso_commands.hpp secret.hpp
    signature_scheme.hpp tlv.hpp transport.hpp)
set(HCBRIDGE_HEADERS_hcbridge_driver_common card_driver.hpp card_model.hpp)
set(HCBRIDGE_HEADERS_hcbridge_drivers drivers.hpp)
set(HCBRIDGE_HEADERS_hcbridge_pcsc pcsc_transport.hpp)
set(HCBRIDGE_HEADERS_hcbridge_signals signal_waiter.hpp)
set(HCBRIDGE_HEADERS_hcbridge_apps app_keys.hpp)
set(HCBRIDGE_HEADERS_hcbridge_audit audit_log.hpp audit_key.hpp audit_access.hpp)
set(HCBRIDGE_HEADERS_hcbridge_backend api/backend.hpp)
foreach(folder base auth core sim api pkcs11)
  file(GLOB headers RELATIVE ${PROJECT_SOURCE_DIR}/include/hcbridge
       ${PROJECT_SOURCE_DIR}/include/hcbridge/${folder}/*.hpp)
  list(REMOVE_ITEM headers api/backend.hpp)
  set(HCBRIDGE_HEADERS_hcbridge_${folder} ${headers})
endforeach()

# The configure-time check: every header has one owner.
file(GLOB_RECURSE all_headers RELATIVE ${PROJECT_SOURCE_DIR}/include/hcbridge
     ${PROJECT_SOURCE_DIR}/include/hcbridge/*.hpp)
get_cmake_property(variables VARIABLES)
foreach(header ${all_headers})
  set(owners 0)
  foreach(variable ${variables})
    if(variable MATCHES "^HCBRIDGE_HEADERS_" AND header IN_LIST ${variable})
      math(EXPR owners "${owners} + 1")
    endif()
  endforeach()
  if(NOT owners EQUAL 1)
    message(FATAL_ERROR "include/hcbridge/${header} has ${owners} owning targets in "
                        "cmake/PublicHeaders.cmake; it needs exactly one")
  endif()
endforeach()

# hcbridge_public_headers(TARGET SCOPE): stages TARGET's headers and adds
# their root to its include path (SCOPE: PUBLIC, or INTERFACE for an
# interface library).
function(hcbridge_public_headers name scope)
  set(root ${PROJECT_BINARY_DIR}/public/${name})
  foreach(header ${HCBRIDGE_HEADERS_${name}})
    get_filename_component(folder ${root}/hcbridge/${header} DIRECTORY)
    file(MAKE_DIRECTORY ${folder})
    file(CREATE_LINK ${PROJECT_SOURCE_DIR}/include/hcbridge/${header}
         ${root}/hcbridge/${header} SYMBOLIC)
  endforeach()
  file(MAKE_DIRECTORY ${root})
  target_include_directories(${name} ${scope} ${root})
endfunction()
