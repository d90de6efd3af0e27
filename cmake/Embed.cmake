# hcbridge_embed(OUT_VAR SYMBOL FILE): generates a .cpp defining
#   extern const std::string_view SYMBOL;
# holding FILE's bytes, and appends it to OUT_VAR. Used for built-in
# simulator profiles, so the binaries need no data files at run time.
function(hcbridge_embed out_var symbol file)
  set(src "${CMAKE_CURRENT_SOURCE_DIR}/${file}")
  set(dst "${CMAKE_CURRENT_BINARY_DIR}/embed_${symbol}.cpp")
  add_custom_command(
    OUTPUT "${dst}"
    COMMAND ${CMAKE_COMMAND} -DIN=${src} -DOUT=${dst} -DSYMBOL=${symbol}
            -P ${PROJECT_SOURCE_DIR}/cmake/EmbedFile.cmake
    DEPENDS "${src}" ${PROJECT_SOURCE_DIR}/cmake/EmbedFile.cmake
    COMMENT "Embedding ${file}")
  set(${out_var} ${${out_var}} "${dst}" PARENT_SCOPE)
endfunction()
